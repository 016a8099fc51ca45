//! The test harness: a connection's worth of RESP adapter in front of a real engine, with a
//! clock the test controls, and the golden script format.

use conquiet_core::{Command, Decision, Engine, EngineConfig, Reply};
use conquiet_resp::{
    ConnCommand, Decoder, Frame, Parsed, Proto, encode, error_frame, glob_match, help_frame, parse,
    reply_frame,
};

/// A golden script: requests in order, each with the exact bytes Redis answered.
pub struct Script {
    pub name: &'static str,
    pub steps: &'static [Step],
}

/// One request and Redis's reply in RESP2, then in RESP3 when that differs (`None`: same).
pub enum Step {
    /// Words split on single spaces, sent as a multibulk request.
    Cmd(&'static str, &'static [u8], Option<&'static [u8]>),
    /// Arguments with bytes a word list cannot hold, sent as a multibulk request.
    Args(
        &'static [&'static [u8]],
        &'static [u8],
        Option<&'static [u8]>,
    ),
    /// Raw request bytes, and every byte Redis sent back until it went quiet or closed.
    Raw(&'static [u8], &'static [u8], Option<&'static [u8]>),
}

impl Step {
    /// The request bytes exactly as sent.
    pub fn request(&self) -> Vec<u8> {
        match self {
            Step::Cmd(words, ..) => {
                multibulk(&words.split(' ').map(str::as_bytes).collect::<Vec<_>>())
            }
            Step::Args(args, ..) => multibulk(args),
            Step::Raw(bytes, ..) => bytes.to_vec(),
        }
    }

    pub fn expected(&self, proto: Proto) -> &'static [u8] {
        let (resp2, resp3) = match self {
            Step::Cmd(_, resp2, resp3) | Step::Args(_, resp2, resp3) => (resp2, resp3),
            Step::Raw(_, resp2, resp3) => (resp2, resp3),
        };
        match proto {
            Proto::Resp2 => resp2,
            Proto::Resp3 => resp3.unwrap_or(resp2),
        }
    }

    pub fn is_raw(&self) -> bool {
        matches!(self, Step::Raw(..))
    }
}

/// A multibulk request for `args`.
pub fn multibulk<A: AsRef<[u8]>>(args: &[A]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        let arg = arg.as_ref();
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Bytes as an escaped string, so failures show `\r\n` instead of a byte list.
pub fn show(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}

/// Where the harness clock starts: any fixed time works, since the engine takes time as a
/// parameter.
pub const CLOCK_START_MS: u64 = 1_700_000_000_000;

/// One client connection to an in-process conquiet: decoder, parser, engine, encoder.
pub struct Harness {
    pub engine: Engine,
    pub now_ms: u64,
    proto: Proto,
    decoder: Decoder,
    pending: Vec<u8>,
    closed: bool,
}

impl Harness {
    pub fn new(proto: Proto) -> Harness {
        Harness {
            engine: Engine::new(EngineConfig::default()),
            now_ms: CLOCK_START_MS,
            proto,
            decoder: Decoder::new(),
            pending: Vec::new(),
            closed: false,
        }
    }

    /// Feeds bytes as if they arrived on the socket; returns every reply byte they caused.
    /// After a protocol error the connection is closed and later bytes are ignored.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        if self.closed {
            return out;
        }
        self.pending.extend_from_slice(bytes);
        loop {
            match self.decoder.decode(&self.pending) {
                Ok(None) => return out,
                Ok(Some((args, used))) => {
                    self.pending.drain(..used);
                    if !args.is_empty() {
                        let frame = self.execute(&args);
                        encode(&frame, self.proto, &mut out);
                    }
                }
                Err(error) => {
                    encode(&error_frame(&error.to_string()), self.proto, &mut out);
                    self.closed = true;
                    return out;
                }
            }
        }
    }

    /// Runs one request given as words.
    pub fn run(&mut self, words: &str) -> Vec<u8> {
        let args: Vec<&[u8]> = words.split(' ').map(str::as_bytes).collect();
        self.feed(&multibulk(&args))
    }

    fn execute(&mut self, args: &[Vec<u8>]) -> Frame {
        match parse(args) {
            Err(error) => error_frame(&error.to_string()),
            Ok(Parsed::Engine { command, .. }) => self.submit(&command),
            Ok(Parsed::Help(lines)) => help_frame(&lines),
            Ok(Parsed::Keys { pattern }) => match self.engine.decide(self.now_ms, &Command::Keys) {
                Ok(Decision::Read(Reply::Keys(keys))) => {
                    let kept = keys
                        .into_iter()
                        .filter(|k| glob_match(&pattern, k))
                        .collect();
                    reply_frame(&Command::Keys, &Reply::Keys(kept), self.proto)
                }
                other => panic!("KEYS answered {other:?}"),
            },
            Ok(Parsed::Connection(command)) => self.connection(command),
        }
    }

    fn submit(&mut self, command: &Command) -> Frame {
        match self.engine.decide(self.now_ms, command) {
            Ok(Decision::Read(reply)) => reply_frame(command, &reply, self.proto),
            Ok(Decision::Write(op)) => {
                let reply = self.engine.apply(self.now_ms, &op);
                reply_frame(command, &reply, self.proto)
            }
            Err(error) => error_frame(&error.to_string()),
        }
    }

    /// The few connection commands the golden scripts rely on, answered as Redis does.
    fn connection(&mut self, command: ConnCommand) -> Frame {
        match command {
            ConnCommand::Ping { message: None } => Frame::simple("PONG"),
            ConnCommand::Ping {
                message: Some(message),
            } => Frame::Bulk(message),
            ConnCommand::Echo { message } => Frame::Bulk(message),
            other => panic!("the harness does not run {other:?}"),
        }
    }
}

/// Runs `script` through fresh harnesses in both protocols, comparing every reply byte.
pub fn check_script(script: &Script) {
    for proto in [Proto::Resp2, Proto::Resp3] {
        let mut harness = Harness::new(proto);
        for (i, step) in script.steps.iter().enumerate() {
            let request = step.request();
            let got = harness.feed(&request);
            assert_eq!(
                show(&got),
                show(step.expected(proto)),
                "{} step {i} ({proto:?}): {}",
                script.name,
                show(&request)
            );
        }
    }
}
