//! Bytes of the conversation ops (record tags 30 and 31) and of the conversation table in
//! snapshots (body version 5). Tabled in docs/record-format.md and docs/snapshot-format.md;
//! paired functions as in the parent module.

use std::io::{self, Read, Write};

use super::{CodecError, Dec, Enc};
use crate::command::Op;
use crate::conversation::{ConvOp, Conversation, Conversations};
use crate::limits::*;

pub(super) fn write_conv_op<W: Write>(e: &mut Enc<'_, W>, op: &ConvOp) -> io::Result<()> {
    match op {
        ConvOp::Create {
            name,
            stream,
            participants,
        } => {
            e.u8(30)?;
            e.bytes(name)?;
            e.bytes(stream)?;
            write_participants(e, participants)
        }
        ConvOp::Post {
            name,
            stream,
            id,
            data,
        } => {
            e.u8(31)?;
            e.bytes(name)?;
            e.bytes(stream)?;
            e.id(*id)?;
            e.bytes(data.as_packed())
        }
    }
}

fn write_participants<W: Write>(e: &mut Enc<'_, W>, participants: &[Vec<u8>]) -> io::Result<()> {
    e.len(participants.len())?;
    participants.iter().try_for_each(|p| e.bytes(p))
}

/// `None` when `tag` is not a conversation op's.
pub(super) fn read_conv_op<R: Read>(d: &mut Dec<'_, R>, tag: u8) -> Result<Option<Op>, CodecError> {
    Ok(Some(Op::Conv(match tag {
        30 => ConvOp::Create {
            name: d.name()?,
            stream: d.name()?,
            participants: read_participants(d)?,
        },
        31 => ConvOp::Post {
            name: d.name()?,
            stream: d.name()?,
            id: d.id()?,
            data: d.entry()?,
        },
        _ => return Ok(None),
    })))
}

fn read_participants<R: Read>(d: &mut Dec<'_, R>) -> Result<Vec<Vec<u8>>, CodecError> {
    let n = d.count("conversation participants", CONVERSATION_PARTICIPANTS_MAX)?;
    if n == 0 {
        return Err(CodecError::Malformed("conversation without participants"));
    }
    (0..n).map(|_| d.name()).collect()
}

pub(super) fn write_conversations<W: Write>(
    e: &mut Enc<'_, W>,
    conversations: &Conversations,
) -> io::Result<()> {
    e.len(conversations.len())?;
    for (name, c) in conversations.iter() {
        e.bytes(name)?;
        write_participants(e, &c.participants)?;
        e.u64(c.messages)?;
        e.opt_id(c.last_id)?;
    }
    Ok(())
}

/// Reads the conversation table, checking its count and the order of names.
pub(super) fn read_conversations<R: Read>(d: &mut Dec<'_, R>) -> Result<Conversations, CodecError> {
    let n = d.count("conversation count", CONVERSATIONS_MAX)?;
    let mut conversations = Conversations::default();
    let mut previous: Option<Vec<u8>> = None;
    for _ in 0..n {
        let name = d.name()?;
        if previous.as_ref().is_some_and(|p| *p >= name) {
            return Err(CodecError::Malformed("conversation names out of order"));
        }
        let c = Conversation {
            participants: read_participants(d)?,
            messages: d.u64()?,
            last_id: d.opt_id()?,
        };
        if (c.messages == 0) != c.last_id.is_none() {
            return Err(CodecError::Malformed("conversation message count"));
        }
        previous = Some(name.clone());
        conversations.insert(name, c);
    }
    Ok(conversations)
}
