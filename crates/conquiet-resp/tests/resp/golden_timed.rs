//! Golden tests for replies that carry times (idle, delivery and seen times). Redis's values
//! there depend on its clock, so these were not captured: the shapes and field order are
//! copied from captured Redis 7.0.15 replies, and the values follow from the harness clock.

use conquiet_resp::Proto;

use crate::support::{CLOCK_START_MS, Harness, show};

/// Two entries delivered to alice at the start, one to bob 50 ms later, zed created at 150 ms,
/// the middle entry deleted; the clock then reads start + 150 ms.
fn delivered(proto: Proto) -> Harness {
    let mut h = Harness::new(proto);
    for words in [
        "XADD s 1-1 f v g w",
        "XADD s 2-1 a b",
        "XADD s 3-1 c d",
        "XGROUP CREATE s g 0",
        "XREADGROUP GROUP g alice COUNT 2 STREAMS s >",
    ] {
        h.run(words);
    }
    h.now_ms += 50;
    h.run("XREADGROUP GROUP g bob STREAMS s >");
    h.now_ms += 100;
    assert_eq!(h.run("XGROUP CREATECONSUMER s g zed"), b":1\r\n");
    assert_eq!(h.run("XDEL s 2-1"), b":1\r\n");
    h
}

#[test]
fn xpending_extended_rows_show_idle_and_deliveries() {
    for proto in [Proto::Resp2, Proto::Resp3] {
        let mut h = delivered(proto);
        let expected = match proto {
            Proto::Resp2 => {
                &b"*3\r\n*4\r\n$3\r\n1-1\r\n$5\r\nalice\r\n:150\r\n\
              :1\r\n*4\r\n$3\r\n2-1\r\n$5\r\nalice\r\n:150\r\n\
              :1\r\n*4\r\n$3\r\n3-1\r\n$3\r\nbob\r\n:100\r\n\
              :1\r\n"[..]
            }
            Proto::Resp3 => {
                &b"*3\r\n*4\r\n$3\r\n1-1\r\n$5\r\nalice\r\n:150\r\n\
              :1\r\n*4\r\n$3\r\n2-1\r\n$5\r\nalice\r\n:150\r\n\
              :1\r\n*4\r\n$3\r\n3-1\r\n$3\r\nbob\r\n:100\r\n\
              :1\r\n"[..]
            }
        };
        assert_eq!(
            show(&h.run("XPENDING s g - + 10")),
            show(expected),
            "XPENDING s g - + 10 {proto:?}"
        );
        let expected = match proto {
            Proto::Resp2 => {
                &b"*2\r\n*4\r\n$3\r\n1-1\r\n$5\r\nalice\r\n:150\r\n\
              :1\r\n*4\r\n$3\r\n2-1\r\n$5\r\nalice\r\n:150\r\n\
              :1\r\n"[..]
            }
            Proto::Resp3 => {
                &b"*2\r\n*4\r\n$3\r\n1-1\r\n$5\r\nalice\r\n:150\r\n\
              :1\r\n*4\r\n$3\r\n2-1\r\n$5\r\nalice\r\n:150\r\n\
              :1\r\n"[..]
            }
        };
        assert_eq!(
            show(&h.run("XPENDING s g IDLE 120 - + 10")),
            show(expected),
            "XPENDING s g IDLE 120 - + 10 {proto:?}"
        );
        let expected = match proto {
            Proto::Resp2 => {
                &b"*1\r\n*4\r\n$3\r\n3-1\r\n$3\r\nbob\r\n:100\r\n\
              :1\r\n"[..]
            }
            Proto::Resp3 => {
                &b"*1\r\n*4\r\n$3\r\n3-1\r\n$3\r\nbob\r\n:100\r\n\
              :1\r\n"[..]
            }
        };
        assert_eq!(
            show(&h.run("XPENDING s g - + 10 bob")),
            show(expected),
            "XPENDING s g - + 10 bob {proto:?}"
        );
        let expected = match proto {
            Proto::Resp2 => {
                &b"*1\r\n*4\r\n$3\r\n2-1\r\n$5\r\nalice\r\n:150\r\n\
              :1\r\n"[..]
            }
            Proto::Resp3 => {
                &b"*1\r\n*4\r\n$3\r\n2-1\r\n$5\r\nalice\r\n:150\r\n\
              :1\r\n"[..]
            }
        };
        assert_eq!(
            show(&h.run("XPENDING s g (1-1 + 1")),
            show(expected),
            "XPENDING s g (1-1 + 1 {proto:?}"
        );
        assert_eq!(h.run("XPENDING s g - + 10 nobody"), b"*0\r\n");
        assert_eq!(h.run("XPENDING s g IDLE 151 - + 10"), b"*0\r\n");
    }
}

#[test]
fn xinfo_consumers_has_redis_7_0_fields() {
    for proto in [Proto::Resp2, Proto::Resp3] {
        let mut h = delivered(proto);
        let expected = match proto {
            Proto::Resp2 => {
                &b"*3\r\n*6\r\n$4\r\nname\r\n$5\r\nalice\r\n\
              $7\r\npending\r\n:2\r\n$4\r\nidle\r\n:150\r\n\
              *6\r\n$4\r\nname\r\n$3\r\nbob\r\n$7\r\npending\r\n\
              :1\r\n$4\r\nidle\r\n:100\r\n*6\r\n$4\r\nname\r\n\
              $3\r\nzed\r\n$7\r\npending\r\n:0\r\n$4\r\n\
              idle\r\n:0\r\n"[..]
            }
            Proto::Resp3 => {
                &b"*3\r\n%3\r\n$4\r\nname\r\n$5\r\nalice\r\n\
              $7\r\npending\r\n:2\r\n$4\r\nidle\r\n:150\r\n\
              %3\r\n$4\r\nname\r\n$3\r\nbob\r\n$7\r\npending\r\n\
              :1\r\n$4\r\nidle\r\n:100\r\n%3\r\n$4\r\nname\r\n\
              $3\r\nzed\r\n$7\r\npending\r\n:0\r\n$4\r\n\
              idle\r\n:0\r\n"[..]
            }
        };
        assert_eq!(
            show(&h.run("XINFO CONSUMERS s g")),
            show(expected),
            "XINFO CONSUMERS s g {proto:?}"
        );
    }
}

#[test]
fn xinfo_stream_full_nests_groups_consumers_and_pending() {
    assert_eq!(
        CLOCK_START_MS, 1_700_000_000_000,
        "the expected bytes embed this clock"
    );
    for proto in [Proto::Resp2, Proto::Resp3] {
        let mut h = delivered(proto);
        let expected = match proto {
            Proto::Resp2 => {
                &b"*18\r\n$6\r\nlength\r\n:2\r\n$15\r\nradix-tree-keys\r\n\
              :1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\n\
              last-generated-id\r\n$3\r\n3-1\r\n$20\r\n\
              max-deleted-entry-id\r\n$3\r\n2-1\r\n$13\r\n\
              entries-added\r\n:3\r\n$23\r\nrecorded-first-entry-id\r\n\
              $3\r\n1-1\r\n$7\r\nentries\r\n*2\r\n*2\r\n\
              $3\r\n1-1\r\n*4\r\n$1\r\nf\r\n$1\r\nv\r\n\
              $1\r\ng\r\n$1\r\nw\r\n*2\r\n$3\r\n3-1\r\n\
              *2\r\n$1\r\nc\r\n$1\r\nd\r\n$6\r\ngroups\r\n\
              *1\r\n*14\r\n$4\r\nname\r\n$1\r\ng\r\n$17\r\n\
              last-delivered-id\r\n$3\r\n3-1\r\n$12\r\n\
              entries-read\r\n:3\r\n$3\r\nlag\r\n:0\r\n\
              $9\r\npel-count\r\n:3\r\n$7\r\npending\r\n\
              *3\r\n*4\r\n$3\r\n1-1\r\n$5\r\nalice\r\n:1700000000000\r\n\
              :1\r\n*4\r\n$3\r\n2-1\r\n$5\r\nalice\r\n:1700000000000\r\n\
              :1\r\n*4\r\n$3\r\n3-1\r\n$3\r\nbob\r\n:1700000000050\r\n\
              :1\r\n$9\r\nconsumers\r\n*3\r\n*8\r\n$4\r\n\
              name\r\n$5\r\nalice\r\n$9\r\nseen-time\r\n\
              :1700000000000\r\n$9\r\npel-count\r\n:2\r\n\
              $7\r\npending\r\n*2\r\n*3\r\n$3\r\n1-1\r\n\
              :1700000000000\r\n:1\r\n*3\r\n$3\r\n2-1\r\n\
              :1700000000000\r\n:1\r\n*8\r\n$4\r\nname\r\n\
              $3\r\nbob\r\n$9\r\nseen-time\r\n:1700000000050\r\n\
              $9\r\npel-count\r\n:1\r\n$7\r\npending\r\n\
              *1\r\n*3\r\n$3\r\n3-1\r\n:1700000000050\r\n\
              :1\r\n*8\r\n$4\r\nname\r\n$3\r\nzed\r\n$9\r\n\
              seen-time\r\n:1700000000150\r\n$9\r\npel-count\r\n\
              :0\r\n$7\r\npending\r\n*0\r\n"[..]
            }
            Proto::Resp3 => {
                &b"%9\r\n$6\r\nlength\r\n:2\r\n$15\r\nradix-tree-keys\r\n\
              :1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\n\
              last-generated-id\r\n$3\r\n3-1\r\n$20\r\n\
              max-deleted-entry-id\r\n$3\r\n2-1\r\n$13\r\n\
              entries-added\r\n:3\r\n$23\r\nrecorded-first-entry-id\r\n\
              $3\r\n1-1\r\n$7\r\nentries\r\n*2\r\n*2\r\n\
              $3\r\n1-1\r\n*4\r\n$1\r\nf\r\n$1\r\nv\r\n\
              $1\r\ng\r\n$1\r\nw\r\n*2\r\n$3\r\n3-1\r\n\
              *2\r\n$1\r\nc\r\n$1\r\nd\r\n$6\r\ngroups\r\n\
              *1\r\n%7\r\n$4\r\nname\r\n$1\r\ng\r\n$17\r\n\
              last-delivered-id\r\n$3\r\n3-1\r\n$12\r\n\
              entries-read\r\n:3\r\n$3\r\nlag\r\n:0\r\n\
              $9\r\npel-count\r\n:3\r\n$7\r\npending\r\n\
              *3\r\n*4\r\n$3\r\n1-1\r\n$5\r\nalice\r\n:1700000000000\r\n\
              :1\r\n*4\r\n$3\r\n2-1\r\n$5\r\nalice\r\n:1700000000000\r\n\
              :1\r\n*4\r\n$3\r\n3-1\r\n$3\r\nbob\r\n:1700000000050\r\n\
              :1\r\n$9\r\nconsumers\r\n*3\r\n%4\r\n$4\r\n\
              name\r\n$5\r\nalice\r\n$9\r\nseen-time\r\n\
              :1700000000000\r\n$9\r\npel-count\r\n:2\r\n\
              $7\r\npending\r\n*2\r\n*3\r\n$3\r\n1-1\r\n\
              :1700000000000\r\n:1\r\n*3\r\n$3\r\n2-1\r\n\
              :1700000000000\r\n:1\r\n%4\r\n$4\r\nname\r\n\
              $3\r\nbob\r\n$9\r\nseen-time\r\n:1700000000050\r\n\
              $9\r\npel-count\r\n:1\r\n$7\r\npending\r\n\
              *1\r\n*3\r\n$3\r\n3-1\r\n:1700000000050\r\n\
              :1\r\n%4\r\n$4\r\nname\r\n$3\r\nzed\r\n$9\r\n\
              seen-time\r\n:1700000000150\r\n$9\r\npel-count\r\n\
              :0\r\n$7\r\npending\r\n*0\r\n"[..]
            }
        };
        assert_eq!(
            show(&h.run("XINFO STREAM s FULL")),
            show(expected),
            "XINFO STREAM s FULL {proto:?}"
        );
        let expected = match proto {
            Proto::Resp2 => {
                &b"*18\r\n$6\r\nlength\r\n:2\r\n$15\r\nradix-tree-keys\r\n\
              :1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\n\
              last-generated-id\r\n$3\r\n3-1\r\n$20\r\n\
              max-deleted-entry-id\r\n$3\r\n2-1\r\n$13\r\n\
              entries-added\r\n:3\r\n$23\r\nrecorded-first-entry-id\r\n\
              $3\r\n1-1\r\n$7\r\nentries\r\n*1\r\n*2\r\n\
              $3\r\n1-1\r\n*4\r\n$1\r\nf\r\n$1\r\nv\r\n\
              $1\r\ng\r\n$1\r\nw\r\n$6\r\ngroups\r\n*1\r\n\
              *14\r\n$4\r\nname\r\n$1\r\ng\r\n$17\r\nlast-delivered-id\r\n\
              $3\r\n3-1\r\n$12\r\nentries-read\r\n:3\r\n\
              $3\r\nlag\r\n:0\r\n$9\r\npel-count\r\n:3\r\n\
              $7\r\npending\r\n*1\r\n*4\r\n$3\r\n1-1\r\n\
              $5\r\nalice\r\n:1700000000000\r\n:1\r\n$9\r\n\
              consumers\r\n*3\r\n*8\r\n$4\r\nname\r\n$5\r\n\
              alice\r\n$9\r\nseen-time\r\n:1700000000000\r\n\
              $9\r\npel-count\r\n:2\r\n$7\r\npending\r\n\
              *1\r\n*3\r\n$3\r\n1-1\r\n:1700000000000\r\n\
              :1\r\n*8\r\n$4\r\nname\r\n$3\r\nbob\r\n$9\r\n\
              seen-time\r\n:1700000000050\r\n$9\r\npel-count\r\n\
              :1\r\n$7\r\npending\r\n*1\r\n*3\r\n$3\r\n\
              3-1\r\n:1700000000050\r\n:1\r\n*8\r\n$4\r\n\
              name\r\n$3\r\nzed\r\n$9\r\nseen-time\r\n:1700000000150\r\n\
              $9\r\npel-count\r\n:0\r\n$7\r\npending\r\n\
              *0\r\n"[..]
            }
            Proto::Resp3 => {
                &b"%9\r\n$6\r\nlength\r\n:2\r\n$15\r\nradix-tree-keys\r\n\
              :1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\n\
              last-generated-id\r\n$3\r\n3-1\r\n$20\r\n\
              max-deleted-entry-id\r\n$3\r\n2-1\r\n$13\r\n\
              entries-added\r\n:3\r\n$23\r\nrecorded-first-entry-id\r\n\
              $3\r\n1-1\r\n$7\r\nentries\r\n*1\r\n*2\r\n\
              $3\r\n1-1\r\n*4\r\n$1\r\nf\r\n$1\r\nv\r\n\
              $1\r\ng\r\n$1\r\nw\r\n$6\r\ngroups\r\n*1\r\n\
              %7\r\n$4\r\nname\r\n$1\r\ng\r\n$17\r\nlast-delivered-id\r\n\
              $3\r\n3-1\r\n$12\r\nentries-read\r\n:3\r\n\
              $3\r\nlag\r\n:0\r\n$9\r\npel-count\r\n:3\r\n\
              $7\r\npending\r\n*1\r\n*4\r\n$3\r\n1-1\r\n\
              $5\r\nalice\r\n:1700000000000\r\n:1\r\n$9\r\n\
              consumers\r\n*3\r\n%4\r\n$4\r\nname\r\n$5\r\n\
              alice\r\n$9\r\nseen-time\r\n:1700000000000\r\n\
              $9\r\npel-count\r\n:2\r\n$7\r\npending\r\n\
              *1\r\n*3\r\n$3\r\n1-1\r\n:1700000000000\r\n\
              :1\r\n%4\r\n$4\r\nname\r\n$3\r\nbob\r\n$9\r\n\
              seen-time\r\n:1700000000050\r\n$9\r\npel-count\r\n\
              :1\r\n$7\r\npending\r\n*1\r\n*3\r\n$3\r\n\
              3-1\r\n:1700000000050\r\n:1\r\n%4\r\n$4\r\n\
              name\r\n$3\r\nzed\r\n$9\r\nseen-time\r\n:1700000000150\r\n\
              $9\r\npel-count\r\n:0\r\n$7\r\npending\r\n\
              *0\r\n"[..]
            }
        };
        assert_eq!(
            show(&h.run("XINFO STREAM s FULL COUNT 1")),
            show(expected),
            "XINFO STREAM s FULL COUNT 1 {proto:?}"
        );
        // COUNT 0 shows everything, a negative COUNT the default of 10: both show all here.
        let all = h.run("XINFO STREAM s FULL");
        assert_eq!(h.run("XINFO STREAM s FULL COUNT 0"), all);
        assert_eq!(h.run("XINFO STREAM s FULL COUNT -5"), all);
    }
}

#[test]
fn xclaim_idle_and_time_set_the_delivery_time_last_one_wins() {
    for proto in [Proto::Resp2, Proto::Resp3] {
        let mut h = delivered(proto);
        let claimed = h.run("XCLAIM s g bob 0 1-1 IDLE 500");
        assert_eq!(
            claimed,
            b"*1\r\n*2\r\n$3\r\n1-1\r\n*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\nw\r\n"
        );
        // Claiming without JUSTID counts a delivery.
        let expected = match proto {
            Proto::Resp2 => {
                &b"*1\r\n*4\r\n$3\r\n1-1\r\n$3\r\nbob\r\n:500\r\n\
              :2\r\n"[..]
            }
            Proto::Resp3 => {
                &b"*1\r\n*4\r\n$3\r\n1-1\r\n$3\r\nbob\r\n:500\r\n\
              :2\r\n"[..]
            }
        };
        assert_eq!(
            show(&h.run("XPENDING s g - + 1")),
            show(expected),
            "XPENDING s g - + 1 {proto:?}"
        );
        let time = CLOCK_START_MS + 100;
        h.run(&format!("XCLAIM s g bob 0 1-1 IDLE 500 TIME {time} JUSTID"));
        // TIME came last, so it wins; JUSTID leaves the count alone.
        let expected = match proto {
            Proto::Resp2 => {
                &b"*1\r\n*4\r\n$3\r\n1-1\r\n$3\r\nbob\r\n:50\r\n\
              :2\r\n"[..]
            }
            Proto::Resp3 => {
                &b"*1\r\n*4\r\n$3\r\n1-1\r\n$3\r\nbob\r\n:50\r\n\
              :2\r\n"[..]
            }
        };
        assert_eq!(
            show(&h.run("XPENDING s g - + 1")),
            show(expected),
            "XPENDING s g - + 1 {proto:?}"
        );
        h.run(&format!("XCLAIM s g bob 0 1-1 TIME {time} IDLE 500 JUSTID"));
        // Now IDLE came last.
        let expected = match proto {
            Proto::Resp2 => {
                &b"*1\r\n*4\r\n$3\r\n1-1\r\n$3\r\nbob\r\n:500\r\n\
              :2\r\n"[..]
            }
            Proto::Resp3 => {
                &b"*1\r\n*4\r\n$3\r\n1-1\r\n$3\r\nbob\r\n:500\r\n\
              :2\r\n"[..]
            }
        };
        assert_eq!(
            show(&h.run("XPENDING s g - + 1")),
            show(expected),
            "XPENDING s g - + 1 {proto:?}"
        );
        // A TIME in the future, or a negative one, means now (idle 0).
        h.run("XCLAIM s g bob 0 1-1 TIME 99999999999999 JUSTID");
        assert!(h.run("XPENDING s g - + 1").ends_with(b":0\r\n:2\r\n"));
        h.run("XCLAIM s g bob 0 1-1 IDLE 500 TIME -1 JUSTID");
        assert!(h.run("XPENDING s g - + 1").ends_with(b":0\r\n:2\r\n"));
        h.run("XCLAIM s g bob 0 1-1 RETRYCOUNT 7 JUSTID");
        assert!(h.run("XPENDING s g - + 1").ends_with(b":7\r\n"));
    }
}
