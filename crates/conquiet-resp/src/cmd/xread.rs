//! `XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]`
//!
//! Ids are strict ids or `$` (after the stream's last entry when the read starts). A negative
//! COUNT is 0, which like no COUNT means "no limit". STREAMS ends the options, so everything
//! after it must split evenly into keys and ids.
//!
//! Also the option loop XREADGROUP shares (Redis parses both in `xreadCommand`).

use conquiet_core::{Command, GroupReadFrom, ReadFrom, StreamId};

use crate::args::{c_str, int, is_word, non_negative, strict_id, timeout_ms};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "xread",
    arity: -4,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let options = read_options(args, false)?;
    let streams = options
        .streams(args)
        .map(|(key, id)| {
            let from = match c_str(id) {
                b"$" => ReadFrom::Last,
                b">" => return Err(ParseError::NewInRead),
                _ => ReadFrom::After(strict_id(id)?),
            };
            Ok((key.clone(), from))
        })
        .collect::<Result<_, _>>()?;
    Ok(Parsed::Engine {
        command: Command::Read {
            streams,
            count: options.count,
        },
        block: options.block,
    })
}

/// Options of XREAD and XREADGROUP.
pub(super) struct ReadOptions {
    pub count: Option<u64>,
    pub block: Option<u64>,
    pub no_ack: bool,
    /// GROUP's group and consumer; the last GROUP wins, as in Redis.
    pub group: Option<(Vec<u8>, Vec<u8>)>,
    /// Index of the first key after STREAMS.
    streams_at: usize,
}

impl ReadOptions {
    /// The (key, id) pairs after STREAMS.
    pub(super) fn streams<'a>(
        &self,
        args: &'a [Vec<u8>],
    ) -> impl Iterator<Item = (&'a Vec<u8>, &'a Vec<u8>)> {
        let rest = &args[self.streams_at..];
        let (keys, ids) = rest.split_at(rest.len() / 2);
        keys.iter().zip(ids)
    }
}

/// Reads the options up to STREAMS; `group_read` is XREADGROUP.
pub(super) fn read_options(args: &[Vec<u8>], group_read: bool) -> Result<ReadOptions, ParseError> {
    let mut options = ReadOptions {
        count: None,
        block: None,
        no_ack: false,
        group: None,
        streams_at: 0,
    };
    let mut i = 1;
    while i < args.len() {
        let more = args.len() - i - 1;
        let opt = &args[i];
        if is_word(opt, "block") && more > 0 {
            i += 1;
            options.block = Some(timeout_ms(&args[i])?);
        } else if is_word(opt, "count") && more > 0 {
            i += 1;
            let count = int(&args[i])?;
            options.count = (count > 0).then(|| non_negative(count));
        } else if is_word(opt, "streams") && more > 0 {
            if more % 2 == 1 {
                return Err(ParseError::UnbalancedStreams);
            }
            options.streams_at = i + 1;
            break;
        } else if is_word(opt, "group") && more >= 2 {
            if !group_read {
                return Err(ParseError::GroupInRead);
            }
            options.group = Some((args[i + 1].clone(), args[i + 2].clone()));
            i += 2;
        } else if is_word(opt, "noack") {
            if !group_read {
                return Err(ParseError::NoAckInRead);
            }
            options.no_ack = true;
        } else {
            return Err(ParseError::Syntax);
        }
        i += 1;
    }
    if options.streams_at == 0 {
        return Err(ParseError::Syntax);
    }
    if group_read && options.group.is_none() {
        return Err(ParseError::MissingGroup);
    }
    Ok(options)
}

/// Where a group read starts for one stream: `>` for new entries, or the consumer's pending
/// entries after an id. `$` means nothing in a group read and is refused.
pub(super) fn group_read_from(id: &[u8]) -> Result<GroupReadFrom, ParseError> {
    match c_str(id) {
        b">" => Ok(GroupReadFrom::New),
        b"$" => Err(ParseError::DollarInReadGroup),
        _ => match strict_id(id)? {
            // Redis marks `>` with the largest id, so that id given explicitly reads new entries.
            id if id == StreamId::MAX => Ok(GroupReadFrom::New),
            id => Ok(GroupReadFrom::PendingAfter(id)),
        },
    }
}
