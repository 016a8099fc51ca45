//! Conversations: a thread of messages between named participants, totally ordered by the
//! store's one writer and kept in a stream of their own (`conv:<name>:messages`), so readers
//! read it in order, resume from the last id they saw, and block for the next with XREAD. The
//! types, the state (`Conversations`), and both halves of every conversation command.
//!
//! A post may carry `EXPECT last-id`: the id of the latest message its poster has seen. If
//! someone posted since, the post is refused (`CONFLICT`) instead of appended, so two writers
//! acting on the same state cannot fork the history: the second must read the new message and
//! decide again. `decide` checks the poster and the expectation and resolves the entry id;
//! `apply` appends the entry and moves the conversation's last id. Semantics:
//! docs/coordination.md.

use std::collections::{BTreeMap, BTreeSet};

use crate::StreamId;
use crate::command::{IdSpec, Op};
use crate::engine::{Decision, Engine, check_entry, check_name, next_id};
use crate::entry::{EntryData, Field};
use crate::error::{CommandError, show};
use crate::limits::*;
use crate::reply::Reply;
use crate::stream::Stream;

/// Prefix and suffix of a conversation's messages stream: `conv:<name>:messages`.
const MESSAGES_PREFIX: &[u8] = b"conv:";
const MESSAGES_SUFFIX: &[u8] = b":messages";

const _: () = assert!(
    CONVERSATION_NAME_BYTES_MAX + MESSAGES_PREFIX.len() + MESSAGES_SUFFIX.len() == NAME_BYTES_MAX
);

/// The first field of every message entry: who posted it.
pub const PARTICIPANT_FIELD: &[u8] = b"participant";

/// The key of the stream that holds `conversation`'s messages.
pub fn messages_key(conversation: &[u8]) -> Vec<u8> {
    [MESSAGES_PREFIX, conversation, MESSAGES_SUFFIX].concat()
}

/// A conversation command as the adapters parse it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConvCommand {
    Create {
        name: Vec<u8>,
        participants: Vec<Vec<u8>>,
    },
    /// Only a participant; with `expect`, only if the latest message is that one (`0-0`: no
    /// message yet).
    Post {
        name: Vec<u8>,
        participant: Vec<u8>,
        expect: Option<StreamId>,
        fields: Vec<Field>,
    },
    /// A read.
    Info { name: Vec<u8> },
}

/// One conversation: its participants, and its messages so far (count and latest id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversation {
    pub participants: Vec<Vec<u8>>,
    pub messages: u64,
    pub last_id: Option<StreamId>,
}

/// Every conversation, by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Conversations {
    pub(crate) conversations: BTreeMap<Vec<u8>, Conversation>,
}

impl Conversations {
    pub fn conversation(&self, name: &[u8]) -> Option<&Conversation> {
        self.conversations.get(name)
    }

    pub fn len(&self) -> usize {
        self.conversations.len()
    }

    pub fn is_empty(&self) -> bool {
        self.conversations.is_empty()
    }

    /// Every conversation, by name (snapshots).
    pub fn iter(&self) -> impl Iterator<Item = (&Vec<u8>, &Conversation)> {
        self.conversations.iter()
    }

    pub(crate) fn insert(&mut self, name: Vec<u8>, conversation: Conversation) {
        self.conversations.insert(name, conversation);
    }
}

/// What a conversation command answers: the conversation after it, and for a post the id of
/// the new message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvView {
    pub name: Vec<u8>,
    pub participants: Vec<Vec<u8>>,
    pub messages: u64,
    pub last_id: Option<StreamId>,
    pub stream: Vec<u8>,
    /// The posted message's id (`None` for INFO and CREATE).
    pub id: Option<StreamId>,
    pub write: bool,
}

fn view(name: &[u8], c: &Conversation, id: Option<StreamId>, write: bool) -> Reply {
    Reply::Conv(Box::new(ConvView {
        name: name.to_vec(),
        participants: c.participants.clone(),
        messages: c.messages,
        last_id: c.last_id,
        stream: messages_key(name),
        id,
        write,
    }))
}

/// A resolved conversation change: what the log stores. `stream` is the messages stream,
/// named so that `Op::keys` lists the stream the op appends to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConvOp {
    Create {
        name: Vec<u8>,
        stream: Vec<u8>,
        participants: Vec<Vec<u8>>,
    },
    /// The message entry (`participant` first, then the poster's fields) with its id.
    Post {
        name: Vec<u8>,
        stream: Vec<u8>,
        id: StreamId,
        data: EntryData,
    },
}

impl ConvOp {
    pub fn stream(&self) -> &[u8] {
        match self {
            ConvOp::Create { stream, .. } | ConvOp::Post { stream, .. } => stream,
        }
    }
}

fn check_create(name: &[u8], participants: &[Vec<u8>]) -> Result<(), CommandError> {
    if name.len() > CONVERSATION_NAME_BYTES_MAX {
        return Err(CommandError::limit(
            "conversation name length",
            name.len(),
            CONVERSATION_NAME_BYTES_MAX,
        ));
    }
    if participants.is_empty() || participants.len() > CONVERSATION_PARTICIPANTS_MAX {
        return Err(CommandError::InvalidArgument(format!(
            "a conversation has 1..={CONVERSATION_PARTICIPANTS_MAX} participants, not {}",
            participants.len()
        )));
    }
    let mut seen = BTreeSet::new();
    for p in participants {
        check_name("consumer", p)?;
        if p.is_empty() {
            return Err(CommandError::InvalidArgument(
                "a participant's name must not be empty".into(),
            ));
        }
        if !seen.insert(p.as_slice()) {
            return Err(CommandError::InvalidArgument(format!(
                "participant '{}' is listed twice",
                show(p)
            )));
        }
    }
    Ok(())
}

impl Engine {
    pub fn conversations(&self) -> &Conversations {
        &self.conversations
    }

    pub(crate) fn decide_conv(
        &self,
        now: u64,
        command: &ConvCommand,
    ) -> Result<Decision, CommandError> {
        match command {
            ConvCommand::Create { name, participants } => {
                self.decide_conv_create(name, participants)
            }
            ConvCommand::Info { name } => {
                let c = self.conversation_or_err(name)?;
                Ok(Decision::Read(view(name, c, None, false)))
            }
            ConvCommand::Post {
                name,
                participant,
                expect,
                fields,
            } => {
                let c = self.conversation_or_err(name)?;
                if !c.participants.iter().any(|p| p == participant) {
                    return Err(CommandError::ConvNotParticipant {
                        name: show(name),
                        participant: show(participant),
                    });
                }
                if fields.is_empty() {
                    return Err(CommandError::InvalidArgument(
                        "a message needs at least one field".into(),
                    ));
                }
                let last = c.last_id.unwrap_or(StreamId::ZERO);
                if let Some(expected) = expect
                    && *expected != last
                {
                    return Err(CommandError::ConvConflict {
                        name: show(name),
                        last: last.to_string(),
                        expected: expected.to_string(),
                    });
                }
                let mut entry = Vec::with_capacity(fields.len() + 1);
                entry.push((PARTICIPANT_FIELD.to_vec(), participant.clone()));
                entry.extend(fields.iter().cloned());
                check_entry(&entry)?;
                let stream = messages_key(name);
                let stream_last = self
                    .streams
                    .get(&stream)
                    .map_or(StreamId::ZERO, Stream::last_id);
                let id = next_id(now, stream_last, IdSpec::Auto)?;
                Ok(Decision::Write(Op::Conv(ConvOp::Post {
                    name: name.clone(),
                    stream,
                    id,
                    data: EntryData::pack(&entry),
                })))
            }
        }
    }

    fn conversation_or_err(&self, name: &[u8]) -> Result<&Conversation, CommandError> {
        self.conversations
            .conversation(name)
            .ok_or_else(|| CommandError::NoConv { name: show(name) })
    }

    fn decide_conv_create(
        &self,
        name: &[u8],
        participants: &[Vec<u8>],
    ) -> Result<Decision, CommandError> {
        check_create(name, participants)?;
        if self.conversations.conversation(name).is_some() {
            return Err(CommandError::ConvExists { name: show(name) });
        }
        if self.conversations.len() >= CONVERSATIONS_MAX {
            return Err(CommandError::limit(
                "conversation count",
                self.conversations.len(),
                CONVERSATIONS_MAX,
            ));
        }
        let stream = messages_key(name);
        self.check_new_stream(&stream, "a conversation's messages stream")?;
        Ok(Decision::Write(Op::Conv(ConvOp::Create {
            name: name.to_vec(),
            stream,
            participants: participants.to_vec(),
        })))
    }

    pub(crate) fn apply_conv(&mut self, op: &ConvOp) -> Reply {
        match op {
            ConvOp::Create {
                name,
                stream,
                participants,
            } => {
                let c = Conversation {
                    participants: participants.clone(),
                    messages: 0,
                    last_id: None,
                };
                // The stream exists from the start, so a reader can block on it with `$`.
                self.streams.entry(stream.clone()).or_default();
                let reply = view(name, &c, None, true);
                self.conversations.insert(name.clone(), c);
                reply
            }
            ConvOp::Post {
                name,
                stream,
                id,
                data,
            } => {
                let node = self.config.node;
                self.streams
                    .entry(stream.clone())
                    .or_default()
                    .append(*id, data.clone(), node);
                let c = self
                    .conversations
                    .conversations
                    .get_mut(name)
                    .expect("decide checked the conversation exists");
                c.messages = c.messages.saturating_add(1);
                c.last_id = Some(*id);
                let c = c.clone();
                view(name, &c, Some(*id), true)
            }
        }
    }
}
