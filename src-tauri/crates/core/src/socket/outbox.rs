//! The bounded outgoing queue shared by handles (which push) and the task (which writes).

use std::collections::VecDeque;

use tokio::sync::oneshot;

use super::error::{SocketErrorKind, err};
use super::message::Message;
use super::options::{FullPolicy, QueueOptions};

/// Reports whether a message reached the wire.
pub(crate) type Ack = oneshot::Sender<crate::Result<()>>;

/// One message waiting to be written.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub(crate) msg: Message,
    /// Whether it may be written on a later connection than the one it was sent on.
    pub(crate) replay: bool,
    pub(crate) ack: Option<Ack>,
}

impl Outgoing {
    pub(crate) fn fail(self, kind: SocketErrorKind, detail: &str) {
        if let Some(ack) = self.ack {
            let _ = ack.send(Err(err(kind, detail)));
        }
    }
}

#[derive(Debug)]
pub(crate) struct Outbox {
    items: VecDeque<Outgoing>,
    options: QueueOptions,
}

impl Outbox {
    pub(crate) fn new(options: QueueOptions) -> Self {
        Self {
            items: VecDeque::new(),
            options,
        }
    }

    /// Queues `item`, applying the full policy. Returns how many older messages were dropped.
    pub(crate) fn push(&mut self, item: Outgoing) -> crate::Result<u64> {
        let capacity = self.options.capacity.max(1);
        let mut dropped = 0;
        while self.items.len() >= capacity {
            match self.options.when_full {
                FullPolicy::Reject => {
                    return Err(err(
                        SocketErrorKind::QueueFull,
                        format!("{capacity} messages already waiting"),
                    ));
                }
                FullPolicy::DropOldest => {
                    if let Some(old) = self.items.pop_front() {
                        old.fail(SocketErrorKind::QueueFull, "dropped: queue full");
                        dropped += 1;
                    }
                }
            }
        }
        self.items.push_back(item);
        Ok(dropped)
    }

    pub(crate) fn pop(&mut self) -> Option<Outgoing> {
        self.items.pop_front()
    }

    /// Puts back a message whose write failed, ahead of the rest.
    pub(crate) fn unpop(&mut self, item: Outgoing) {
        self.items.push_front(item);
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// Fails and removes every message that must not be written on another connection.
    pub(crate) fn drop_unreplayable(&mut self) -> u64 {
        let before = self.items.len();
        let (keep, gone): (Vec<_>, Vec<_>) = self.items.drain(..).partition(|item| item.replay);
        self.items = keep.into();
        for item in gone {
            item.fail(
                SocketErrorKind::NotConnected,
                "connection lost before the message was written; not replayed",
            );
        }
        (before - self.items.len()) as u64
    }

    /// Fails and removes everything.
    pub(crate) fn clear(&mut self, kind: SocketErrorKind, detail: &str) -> usize {
        let n = self.items.len();
        for item in self.items.drain(..) {
            item.fail(kind, detail);
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(text: &str, replay: bool) -> Outgoing {
        Outgoing {
            msg: Message::from(text),
            replay,
            ack: None,
        }
    }

    fn texts(o: &mut Outbox) -> Vec<String> {
        std::iter::from_fn(|| o.pop())
            .map(|i| i.msg.as_text().unwrap_or_default().to_owned())
            .collect()
    }

    #[test]
    fn drop_oldest_keeps_the_newest_in_order() {
        let mut o = Outbox::new(QueueOptions {
            capacity: 2,
            when_full: FullPolicy::DropOldest,
        });
        assert_eq!(o.push(item("a", true)).ok(), Some(0));
        assert_eq!(o.push(item("b", true)).ok(), Some(0));
        assert_eq!(o.push(item("c", true)).ok(), Some(1));
        assert_eq!(texts(&mut o), ["b", "c"]);
    }

    #[test]
    fn reject_refuses_and_keeps_the_queue() {
        let mut o = Outbox::new(QueueOptions {
            capacity: 1,
            when_full: FullPolicy::Reject,
        });
        assert!(o.push(item("a", true)).is_ok());
        assert!(matches!(
            o.push(item("b", true)),
            Err(crate::Error::Socket {
                kind: SocketErrorKind::QueueFull,
                ..
            })
        ));
        assert_eq!(texts(&mut o), ["a"]);
    }

    #[test]
    fn unreplayable_messages_are_removed() {
        let mut o = Outbox::new(QueueOptions::default());
        for (t, r) in [("a", true), ("kill", false), ("b", true)] {
            assert!(o.push(item(t, r)).is_ok());
        }
        assert_eq!(o.drop_unreplayable(), 1);
        assert_eq!(texts(&mut o), ["a", "b"]);
    }
}
