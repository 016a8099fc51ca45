//! No lost update: 8 concurrent workers each apply 1 000 increments to one counter through
//! each primitive, and the count is exact. The same work done as a naive read-modify-write
//! loses updates, which shows the test can tell.

use std::time::Duration;

use conquiet_sql::{Backend, Db, SqlError, Value, tx};

use crate::support::{BACKENDS, ddl, pool, scalar, unique};

const WORKERS: i64 = 8;
const INCREMENTS: i64 = 1_000;

#[derive(Clone, Copy, Debug)]
enum Way {
    ConditionalUpdate,
    OptimisticUpdate,
    RowLock,
    AdvisoryLock,
    Naive,
}

async fn counter(backend: Backend) -> String {
    let t = unique("counter");
    ddl(
        backend,
        &format!(
            "CREATE TABLE {t} (id BIGINT PRIMARY KEY, n BIGINT NOT NULL, version BIGINT NOT NULL)"
        ),
    )
    .await;
    ddl(
        backend,
        &format!("INSERT INTO {t} (id, n, version) VALUES (1, 0, 0)"),
    )
    .await;
    t
}

/// Reads the counter and its version in the session.
async fn read(s: &mut conquiet_sql::Session, t: &str) -> Result<(i64, i64), SqlError> {
    let row = s
        .fetch_optional(&format!("SELECT n, version FROM {t} WHERE id = 1"), &[])
        .await?
        .ok_or(SqlError::Conflict("no counter row".into()))?;
    Ok((row.int("n")?, row.int("version")?))
}

/// One increment, the `way` given, in one transaction (run again on a conflict).
async fn increment(db: &Db, t: &str, way: Way) {
    let attempts = 10_000;
    let t = t.to_string();
    let make = || {
        let t = t.clone();
        tx(move |s| {
            Box::pin(async move {
                match way {
                    Way::ConditionalUpdate => {
                        let (n, _) = read(s, &t).await?;
                        let sql = format!("UPDATE {t} SET n = ? WHERE id = 1 AND n = ?");
                        if !s
                            .update_if(&sql, &[Value::Int(n + 1), Value::Int(n)])
                            .await?
                        {
                            return Err(SqlError::Conflict("counter moved".into()));
                        }
                    }
                    Way::OptimisticUpdate => {
                        let (n, version) = read(s, &t).await?;
                        let applied = s
                            .optimistic_update(
                                &t,
                                ("id", Value::Int(1)),
                                "version",
                                version,
                                &[("n", Value::Int(n + 1))],
                            )
                            .await?;
                        if !applied {
                            return Err(SqlError::Conflict("version moved".into()));
                        }
                    }
                    Way::RowLock => {
                        let row = s.lock_row(&t, ("id", Value::Int(1))).await?;
                        let n = row.ok_or(SqlError::Conflict("no row".into()))?.int("n")?;
                        s.execute(
                            &format!("UPDATE {t} SET n = ? WHERE id = 1"),
                            &[Value::Int(n + 1)],
                        )
                        .await?;
                    }
                    Way::AdvisoryLock => {
                        s.advisory_lock(4242, Duration::from_secs(30)).await?;
                        let (n, _) = read(s, &t).await?;
                        s.execute(
                            &format!("UPDATE {t} SET n = ? WHERE id = 1"),
                            &[Value::Int(n + 1)],
                        )
                        .await?;
                    }
                    Way::Naive => {
                        let (n, _) = read(s, &t).await?;
                        // Widen the window a real handler would have between read and write.
                        tokio::time::sleep(Duration::from_millis(1)).await;
                        s.execute(
                            &format!("UPDATE {t} SET n = ? WHERE id = 1"),
                            &[Value::Int(n + 1)],
                        )
                        .await?;
                    }
                }
                Ok::<_, SqlError>(())
            })
        })
    };
    db.transaction_retrying(attempts, make)
        .await
        .unwrap_or_else(|e| panic!("{way:?}: {e}"));
}

async fn run(backend: Backend, way: Way, increments: i64) -> i64 {
    let db = Db::new(pool(backend, 10).await);
    let t = counter(backend).await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..WORKERS {
        let (db, t) = (db.clone(), t.clone());
        tasks.spawn(async move {
            for _ in 0..increments {
                increment(&db, &t, way).await;
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("worker");
    }
    crate::support::checked_in(&db).await;
    scalar(
        backend,
        &format!("SELECT n AS v FROM {t} WHERE id = 1"),
        &[],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs postgres on 5432 and mariadb on 3306"]
async fn every_primitive_keeps_every_increment_of_eight_concurrent_workers() {
    for backend in BACKENDS {
        for way in [
            Way::ConditionalUpdate,
            Way::OptimisticUpdate,
            Way::RowLock,
            Way::AdvisoryLock,
        ] {
            let n = run(backend, way, INCREMENTS).await;
            assert_eq!(n, WORKERS * INCREMENTS, "{backend:?} {way:?} lost updates");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs postgres on 5432 and mariadb on 3306"]
async fn a_naive_read_modify_write_loses_updates() {
    for backend in BACKENDS {
        let n = run(backend, Way::Naive, 50).await;
        assert!(
            n < WORKERS * 50,
            "{backend:?}: the naive way kept all {n}: the test cannot tell"
        );
    }
}
