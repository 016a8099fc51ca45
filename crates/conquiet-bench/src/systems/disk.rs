//! The raw disk: the floor every durable system stands on. Producers hand their payloads to
//! one writer thread, which writes whatever is waiting (up to the publishes in flight) with one
//! `write` and one `fdatasync`, then confirms each: a group commit with no log format, no
//! index and no network. Consumers read the synced records back in order; there is nothing
//! to acknowledge.

use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, anyhow, bail};
use bytes::Bytes;
use tokio::sync::{Notify, mpsc, oneshot};

use super::{Broker, Consumer, Description, Producer};
use crate::limits::{CLIENTS_MAX, RECEIVE_WAIT};
use crate::payload;

/// One publish waiting for the writer.
struct Append {
    payload: Bytes,
    done: oneshot::Sender<Result<(), String>>,
}

/// One queue: a file of fixed-size records.
struct Log {
    path: PathBuf,
    reader: File,
    size: usize,
    /// Records written and fdatasynced; consumers read only below this.
    synced: AtomicU64,
    /// The next record no consumer has claimed yet.
    cursor: AtomicU64,
    /// Woken after every sync.
    grew: Notify,
}

impl Log {
    /// Claims up to `max` synced records nobody claimed: their index range.
    fn claim(&self, max: usize) -> Option<(u64, u64)> {
        loop {
            let start = self.cursor.load(Ordering::Acquire);
            let end = self.synced.load(Ordering::Acquire).min(start + max as u64);
            if start >= end {
                return None;
            }
            if self
                .cursor
                .compare_exchange(start, end, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                return Some((start, end));
            }
        }
    }
}

/// The writer thread of `log`: one write and one fdatasync per batch of waiting appends. A
/// failed write or sync fails its batch and stops the writer, so every later publish fails:
/// after a failed fdatasync nothing more may be confirmed.
fn write_loop(mut file: File, mut appends: mpsc::Receiver<Append>, log: Arc<Log>) {
    let mut buffer = Vec::new();
    while let Some(first) = appends.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < CLIENTS_MAX {
            match appends.try_recv() {
                Ok(append) => batch.push(append),
                Err(_) => break,
            }
        }
        buffer.clear();
        for append in &batch {
            buffer.extend_from_slice(&append.payload);
        }
        let outcome = file
            .write_all(&buffer)
            .and_then(|()| file.sync_data())
            .map_err(|e| format!("write + fdatasync of {}: {e}", log.path.display()));
        if outcome.is_ok() {
            log.synced.fetch_add(batch.len() as u64, Ordering::AcqRel);
            log.grew.notify_waiters();
        }
        for append in batch {
            // A producer that gave up waiting has nothing left to tell.
            let _ = append.done.send(outcome.clone());
        }
        if outcome.is_err() {
            return;
        }
    }
}

/// A queue's log and the way to its writer.
#[derive(Clone)]
struct Queue {
    log: Arc<Log>,
    appends: mpsc::Sender<Append>,
}

pub struct Disk {
    dir: PathBuf,
    size: usize,
    /// Each queue's log and the way to its writer. The writer holds only the log, so it
    /// stops once this sender and every producer's clone are gone.
    logs: Mutex<HashMap<String, Queue>>,
    description: Description,
}

impl Disk {
    /// Queues become files in `dir`, of records `size` bytes long.
    pub fn open(dir: &Path, size: usize) -> Disk {
        Disk {
            dir: dir.to_path_buf(),
            size,
            logs: Mutex::new(HashMap::new()),
            description: Description {
                server: format!("a file in {}", dir.display()),
                durability: "fdatasync per batch".to_string(),
                durability_note: "one write + fdatasync of the same bytes per batch of waiting \
                    publishes (an ideal group commit of everything in flight); consumers read \
                    the synced file back, nothing to acknowledge"
                    .to_string(),
            },
        }
    }

    fn queue(&self, queue: &str) -> Result<Queue> {
        let logs = self
            .logs
            .lock()
            .map_err(|_| anyhow!("disk queue map poisoned"))?;
        logs.get(queue)
            .cloned()
            .with_context(|| format!("no disk queue {queue}"))
    }
}

impl Broker for Disk {
    type Producer = DiskProducer;
    type Consumer = DiskConsumer;

    fn describe(&self) -> &Description {
        &self.description
    }

    async fn create_queue(&self, queue: &str) -> Result<()> {
        let path = self.dir.join(format!("{queue}.log"));
        let file =
            File::create_new(&path).with_context(|| format!("creating {}", path.display()))?;
        let reader = File::open(&path)?;
        let (appends, receiver) = mpsc::channel(CLIENTS_MAX);
        let log = Arc::new(Log {
            path,
            reader,
            size: self.size,
            synced: AtomicU64::new(0),
            cursor: AtomicU64::new(0),
            grew: Notify::new(),
        });
        let writer_log = log.clone();
        std::thread::Builder::new()
            .name(format!("disk-{queue}"))
            .spawn(move || write_loop(file, receiver, writer_log))?;
        let mut logs = self
            .logs
            .lock()
            .map_err(|_| anyhow!("disk queue map poisoned"))?;
        logs.insert(queue.to_string(), Queue { log, appends });
        Ok(())
    }

    async fn delete_queue(&self, queue: &str) -> Result<()> {
        let log = {
            let mut logs = self
                .logs
                .lock()
                .map_err(|_| anyhow!("disk queue map poisoned"))?;
            logs.remove(queue)
        };
        // The writer stops once the last producer's sender is gone.
        if let Some(Queue { log, .. }) = log {
            std::fs::remove_file(&log.path)
                .with_context(|| format!("removing {}", log.path.display()))?;
        }
        Ok(())
    }

    async fn producer(&self, queue: &str) -> Result<DiskProducer> {
        Ok(DiskProducer {
            appends: self.queue(queue)?.appends,
        })
    }

    async fn consumer(&self, queue: &str, _name: &str) -> Result<DiskConsumer> {
        Ok(DiskConsumer {
            log: self.queue(queue)?.log,
            buffer: Vec::new(),
        })
    }
}

pub struct DiskProducer {
    appends: mpsc::Sender<Append>,
}

impl Producer for DiskProducer {
    async fn publish(&self, payload: Bytes) -> Result<()> {
        let (done, confirmed) = oneshot::channel();
        self.appends
            .send(Append { payload, done })
            .await
            .map_err(|_| anyhow!("the disk writer stopped"))?;
        match confirmed.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => bail!(error),
            Err(_) => bail!("the disk writer stopped"),
        }
    }
}

pub struct DiskConsumer {
    log: Arc<Log>,
    buffer: Vec<u8>,
}

impl DiskConsumer {
    /// Reads records `start..end` and appends their ids. The reads hit the page cache (the
    /// writer just wrote them), so they run inline instead of on a blocking thread.
    fn read(&mut self, (start, end): (u64, u64), ids: &mut Vec<u64>) -> Result<()> {
        let size = self.log.size;
        let count = usize::try_from(end - start).context("claim fits memory")?;
        self.buffer.resize(count * size, 0);
        self.log
            .reader
            .read_exact_at(&mut self.buffer, start * size as u64)
            .with_context(|| format!("reading {}", self.log.path.display()))?;
        for record in self.buffer.chunks_exact(size) {
            ids.push(payload::decode(record, size)?);
        }
        Ok(())
    }
}

impl Consumer for DiskConsumer {
    async fn receive_and_ack(&mut self, max: usize, size: usize, ids: &mut Vec<u64>) -> Result<()> {
        assert_eq!(size, self.log.size, "records are {} bytes", self.log.size);
        let log = self.log.clone();
        let grew = log.grew.notified();
        tokio::pin!(grew);
        // Registered before the check, so a sync between the check and the wait still wakes.
        grew.as_mut().enable();
        if let Some(range) = log.claim(max) {
            return self.read(range, ids);
        }
        let _ = tokio::time::timeout(RECEIVE_WAIT, grew).await;
        match log.claim(max) {
            Some(range) => self.read(range, ids),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn consumers_read_back_what_producers_synced() {
        let dir = tempfile::tempdir().unwrap();
        let disk = Disk::open(dir.path(), 32);
        disk.create_queue("q").await.unwrap();
        let producer = disk.producer("q").await.unwrap();
        for id in 0..5 {
            producer.publish(payload::encode(id, 32)).await.unwrap();
        }
        let mut consumer = disk.consumer("q", "c0").await.unwrap();
        let mut ids = Vec::new();
        consumer.receive_and_ack(3, 32, &mut ids).await.unwrap();
        consumer.receive_and_ack(3, 32, &mut ids).await.unwrap();
        assert_eq!(ids, [0, 1, 2, 3, 4]);
        drop(producer);
        disk.delete_queue("q").await.unwrap();
        assert!(!dir.path().join("q.log").exists());
    }
}
