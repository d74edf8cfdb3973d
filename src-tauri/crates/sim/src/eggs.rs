//! Eggs (game server templates): what their consoles print, how they stop, what "done" looks
//! like, and plausible names and limits for generated servers.

/// One egg's console personality.
#[derive(Debug)]
pub struct Egg {
    /// Egg name as the panel shows it.
    pub name: &'static str,
    /// Docker image.
    pub docker_image: &'static str,
    /// Startup invocation.
    pub invocation: &'static str,
    /// The egg's stop command (stop type `command`).
    pub stop_command: &'static str,
    /// Lines printed while booting.
    pub boot_lines: &'static [&'static str],
    /// The line that moves `starting` → `running`.
    pub done_line: &'static str,
    /// Lines printed now and then while running.
    pub chatter: &'static [&'static str],
    /// Lines printed while stopping.
    pub stop_lines: &'static [&'static str],
    /// Default game port.
    pub port: u16,
    /// Memory limit in MiB.
    pub memory_mib: u64,
    /// Typical memory use as a fraction of the limit.
    pub memory_use: f64,
}

/// The eggs generated servers are made from.
pub static EGGS: &[Egg] = &[
    Egg {
        name: "Paper",
        docker_image: "ghcr.io/pterodactyl/yolks:java_21",
        invocation: "java -Xms128M -XX:MaxRAMPercentage=95.0 -Dterminal.jline=false -Dterminal.ansi=true -jar server.jar",
        stop_command: "stop",
        boot_lines: &[
            "Starting org.bukkit.craftbukkit.Main",
            "[12:00:01 INFO]: Environment: Environment[sessionHost=https://sessionserver.mojang.com, servicesHost=https://api.minecraftservices.com, name=PROD]",
            "[12:00:03 INFO]: Loaded 1290 recipes",
            "[12:00:04 INFO]: Starting minecraft server version 1.21.1",
            "[12:00:04 INFO]: Preparing level \"world\"",
            "[12:00:06 INFO]: Preparing spawn area: 48%",
        ],
        done_line: "[12:00:08 INFO]: Done (7.412s)! For help, type \"help\"",
        chatter: &[
            "[12:01:10 INFO]: UUID of player Steve is 8667ba71-b85a-4004-af54-457a9734eed7",
            "[12:01:10 INFO]: Steve joined the game",
            "[12:02:44 INFO]: <Steve> anyone up for the nether?",
            "[12:03:05 INFO]: Alex joined the game",
            "[12:04:12 INFO]: Steve has made the advancement [Hot Stuff]",
            "[12:05:00 WARN]: Can't keep up! Is the server overloaded? Running 2043ms or 40 ticks behind",
            "[12:06:30 INFO]: Alex left the game",
        ],
        stop_lines: &[
            "[12:10:00 INFO]: Stopping the server",
            "[12:10:00 INFO]: Stopping server",
            "[12:10:00 INFO]: Saving players",
            "[12:10:01 INFO]: Saving worlds",
            "[12:10:01 INFO]: ThreadedAnvilChunkStorage: All dimensions are saved",
        ],
        port: 25565,
        memory_mib: 4096,
        memory_use: 0.55,
    },
    Egg {
        name: "Rust",
        docker_image: "ghcr.io/pterodactyl/games:rust",
        invocation: "./RustDedicated -batchmode +server.port 28015 +server.hostname \"Rust Server\"",
        stop_command: "quit",
        boot_lines: &[
            "Loading Prefab Bundle ",
            "Initializing 20 entity save buffers",
            "Loading Oxide Core v2.0.6146...",
            "Spawning 4242 components",
            "Server startup complete",
        ],
        done_line: "SteamServer Initialized",
        chatter: &[
            "Saving complete",
            "Saved 41,822 ents, cache(0.05), write(0.02), disk(0.01).",
            "76561198000000001/Ryan joined [windows/76561198000000001]",
            "[CHAT] Ryan : hello",
            "Ryan[76561198000000001] was killed by Scientist",
        ],
        stop_lines: &["Saving complete", "Server Shutdown"],
        port: 28015,
        memory_mib: 12288,
        memory_use: 0.7,
    },
    Egg {
        name: "Valheim",
        docker_image: "ghcr.io/parkervcp/yolks:steamcmd_debian",
        invocation: "./valheim_server.x86_64 -nographics -batchmode -name \"Vikings\" -port 2456",
        stop_command: "^C",
        boot_lines: &[
            "Valheim version: l-0.218.21 (network version 27)",
            "Get create world Vikings",
            "Loading world: Vikings",
            "DungeonDB Start 4532",
        ],
        done_line: "Game server connected",
        chatter: &[
            "Got connection SteamID 76561198000000002",
            "Got character ZDOID from Bjorn : -1337:1",
            "World saved ( 388.43ms )",
        ],
        stop_lines: &["OnApplicationQuit", "World save writing"],
        port: 2456,
        memory_mib: 6144,
        memory_use: 0.5,
    },
    Egg {
        name: "Terraria Vanilla",
        docker_image: "ghcr.io/parkervcp/yolks:debian",
        invocation: "./TerrariaServer.bin.x86_64 -config serverconfig.txt",
        stop_command: "exit",
        boot_lines: &[
            "Terraria Server v1.4.4.9",
            "Resetting game objects 0%",
            "Loading world data: 58%",
            "Settling liquids 100%",
        ],
        done_line: "Server started",
        chatter: &[
            "Mia has joined.",
            "<Mia> hi",
            "Saving world data: 100%",
            "Mia has left.",
        ],
        stop_lines: &["Saving world data: 100%", "Validating world save: 100%"],
        port: 7777,
        memory_mib: 2048,
        memory_use: 0.4,
    },
];

/// Realistic server name parts.
pub static NAME_PREFIXES: &[&str] = &[
    "Survival",
    "Creative",
    "Skyblock",
    "Hardcore",
    "Modded",
    "Vanilla",
    "Friends",
    "Weekend",
    "Community",
    "Event",
    "PvP",
    "Build",
    "Staging",
    "Practice",
    "Classic",
];

/// Realistic server name suffixes.
pub static NAME_SUFFIXES: &[&str] = &[
    "SMP", "Realm", "Hub", "Arena", "Island", "Outpost", "Server", "World", "Lobby", "Base",
];

/// Node name regions.
pub static REGIONS: &[&str] = &["fra", "ams", "nyc", "sgp", "syd", "lon", "waw", "dal"];
