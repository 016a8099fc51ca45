//! Sessions on every exit path: BEGIN and COMMIT failures, errors, panics, cancellation and
//! nesting leave no connection checked out, roll back, and are counted as errors.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use conquiet_sql::{Backend, Db, Pool, SqlError, Status, Value};
use futures_util::FutureExt;

use crate::support::{BACKENDS, NEEDS, ddl, eventually, kill, pool, scalar, unique};

async fn table(backend: Backend) -> String {
    let name = unique("items");
    ddl(
        backend,
        &format!("CREATE TABLE {name} (id BIGINT PRIMARY KEY, note VARCHAR(64))"),
    )
    .await;
    name
}

async fn rows(backend: Backend, table: &str) -> i64 {
    crate::support::count(backend, &format!("FROM {table}")).await
}

/// A pool whose next reused connection is killed just before it is handed out, so the
/// session's BEGIN meets a dead connection.
async fn pool_that_kills(backend: Backend, armed: Arc<AtomicBool>) -> Pool {
    match backend {
        Backend::Postgres => Pool::Postgres(
            sqlx::postgres::PgPoolOptions::new()
                .max_connections(2)
                .before_acquire(move |conn, _| {
                    let armed = armed.clone();
                    Box::pin(async move {
                        if armed.swap(false, Ordering::SeqCst) {
                            let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
                                .fetch_one(&mut *conn)
                                .await?;
                            kill(backend, i64::from(pid)).await;
                        }
                        Ok(true)
                    })
                })
                .connect(crate::support::PG_URL)
                .await
                .expect("postgres"),
        ),
        Backend::MySql => Pool::MySql(
            sqlx::mysql::MySqlPoolOptions::new()
                .max_connections(2)
                .before_acquire(move |conn, _| {
                    let armed = armed.clone();
                    Box::pin(async move {
                        if armed.swap(false, Ordering::SeqCst) {
                            let id: u64 = sqlx::query_scalar("SELECT CONNECTION_ID()")
                                .fetch_one(&mut *conn)
                                .await?;
                            kill(backend, i64::try_from(id).unwrap_or(0)).await;
                        }
                        Ok(true)
                    })
                })
                .connect(crate::support::MY_URL)
                .await
                .expect("mariadb"),
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs postgres on 5432 and mariadb on 3306"]
async fn a_failed_begin_returns_no_connection_and_counts_an_error() {
    let _ = NEEDS;
    for backend in BACKENDS {
        let armed = Arc::new(AtomicBool::new(false));
        let db = Db::new(pool_that_kills(backend, armed.clone()).await);
        // One connection goes idle, then the next acquire of it is killed.
        db.transaction(|s| Box::pin(async move { s.execute("SELECT 1", &[]).await }))
            .await
            .expect("warm-up");
        crate::support::checked_in(&db).await;
        armed.store(true, Ordering::SeqCst);
        let failed = db
            .transaction(|s| Box::pin(async move { s.execute("SELECT 1", &[]).await }))
            .await;
        assert!(
            matches!(failed, Err(SqlError::Begin(_))),
            "{backend:?}: {failed:?}"
        );
        crate::support::checked_in(&db).await;
        let m = db.metrics();
        assert_eq!(m.count("begin", Status::Error), 1, "{backend:?}");
        assert_eq!(m.count("session", Status::Error), 1, "{backend:?}");
        assert_eq!(
            m.count("session", Status::Ok),
            1,
            "{backend:?}: only the warm-up"
        );
        db.transaction(|s| Box::pin(async move { s.execute("SELECT 1", &[]).await }))
            .await
            .expect("the pool serves again");
        crate::support::checked_in(&db).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs postgres on 5432 and mariadb on 3306"]
async fn a_failed_commit_is_an_error_everywhere_and_leaks_nothing() {
    for backend in BACKENDS {
        let db = Db::new(pool(backend, 2).await);
        let t = table(backend).await;
        let sql = format!("INSERT INTO {t} (id, note) VALUES (1, 'x')");
        let failed = db
            .transaction(|s| {
                Box::pin(async move {
                    s.execute(&sql, &[]).await?;
                    let id = s.connection_id().await?;
                    kill(backend, id).await;
                    Ok::<_, SqlError>(())
                })
            })
            .await;
        assert!(
            matches!(failed, Err(SqlError::Commit(_))),
            "{backend:?}: {failed:?}"
        );
        crate::support::checked_in(&db).await;
        let m = db.metrics();
        assert_eq!(m.count("commit", Status::Error), 1, "{backend:?}");
        assert_eq!(m.count("commit", Status::Ok), 0, "{backend:?}");
        assert_eq!(m.count("session", Status::Error), 1, "{backend:?}");
        assert_eq!(rows(backend, &t).await, 0, "{backend:?}: nothing committed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs postgres on 5432 and mariadb on 3306"]
async fn an_error_a_panic_or_a_cancel_rolls_back_and_returns_the_connection() {
    for backend in BACKENDS {
        let db = Db::new(pool(backend, 2).await);
        let t = table(backend).await;
        let insert = format!("INSERT INTO {t} (id, note) VALUES (1, 'x')");

        let sql = insert.clone();
        let error: Result<(), SqlError> = db
            .transaction(|s| {
                Box::pin(async move {
                    s.execute(&sql, &[]).await?;
                    Err(SqlError::Conflict("the handler gave up".into()))
                })
            })
            .await;
        assert!(error.is_err());
        crate::support::checked_in(&db).await;

        let sql = insert.clone();
        let panicked = AssertUnwindSafe(db.transaction(|s| {
            Box::pin(async move {
                s.execute(&sql, &[]).await?;
                if sql.contains("INSERT") {
                    panic!("handler bug on purpose");
                }
                Ok::<_, SqlError>(())
            })
        }))
        .catch_unwind()
        .await;
        assert!(panicked.is_err(), "the panic goes on");
        crate::support::checked_in(&db).await;

        let sql = insert.clone();
        let cancelled = tokio::time::timeout(
            Duration::from_millis(300),
            db.transaction(|s| {
                Box::pin(async move {
                    s.execute(&sql, &[]).await?;
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    Ok::<_, SqlError>(())
                })
            }),
        )
        .await;
        assert!(cancelled.is_err());
        crate::support::checked_in(&db).await;

        // None of the three inserts committed, and none holds the row's key any more: the
        // same insert commits now (it would wait on a transaction left open).
        assert_eq!(rows(backend, &t).await, 0, "{backend:?}");
        let sql = insert.clone();
        tokio::time::timeout(
            Duration::from_secs(10),
            db.transaction(|s| Box::pin(async move { s.execute(&sql, &[]).await })),
        )
        .await
        .expect("no transaction was left holding the key")
        .expect("insert");
        assert_eq!(rows(backend, &t).await, 1);
        let m = db.metrics();
        let rollbacks = (
            m.count("rollback", Status::Ok),
            m.count("rollback", Status::Error),
        );
        assert_eq!(rollbacks, (2, 0), "{backend:?}: error and panic");
        assert_eq!(
            m.count("session", Status::Error),
            3,
            "{backend:?}: error, panic, cancel"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs postgres on 5432 and mariadb on 3306"]
async fn a_session_inside_a_session_is_refused() {
    for backend in BACKENDS {
        let db = Db::new(pool(backend, 2).await);
        let inner = db.clone();
        let nested = db
            .transaction(|_s| {
                Box::pin(async move {
                    let second = inner
                        .transaction(|s| Box::pin(async move { s.execute("SELECT 1", &[]).await }))
                        .await;
                    assert!(matches!(second, Err(SqlError::Nested)), "{second:?}");
                    Ok::<_, SqlError>(())
                })
            })
            .await;
        nested.expect("the outer session is fine");
        crate::support::checked_in(&db).await;
    }
}

/// Whether anyone holds the advisory lock `key`, seen from another connection.
async fn advisory_held(backend: Backend, key: i64) -> bool {
    match backend {
        Backend::Postgres => {
            scalar(
                backend,
                "SELECT CAST(COUNT(*) AS BIGINT) AS v FROM pg_locks WHERE locktype = 'advisory' \
                 AND ((CAST(classid AS BIGINT) << 32) | CAST(objid AS BIGINT)) = ?",
                &[Value::Int(key)],
            )
            .await
                > 0
        }
        Backend::MySql => {
            scalar(
                backend,
                "SELECT CAST(IS_USED_LOCK(?) IS NOT NULL AS SIGNED) AS v",
                &[Value::Text(format!("conquiet-sql:{key}"))],
            )
            .await
                > 0
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs postgres on 5432 and mariadb on 3306"]
async fn an_advisory_lock_is_gone_after_every_exit_path() {
    for backend in BACKENDS {
        let db = Db::new(pool(backend, 2).await);
        let key = 7_000_000 + i64::from(std::process::id());
        let wait = Duration::from_secs(5);
        let lock = |fail: u8| {
            conquiet_sql::tx(move |s| {
                Box::pin(async move {
                    s.advisory_lock(key, wait).await?;
                    assert!(advisory_held(backend, key).await, "held inside the session");
                    match fail {
                        0 => Ok(()),
                        1 => Err(SqlError::Conflict("an early error".into())),
                        2 => panic!("a panic while holding the lock"),
                        _ => {
                            tokio::time::sleep(Duration::from_secs(3600)).await;
                            Ok(())
                        }
                    }
                })
            })
        };
        db.transaction(lock(0)).await.expect("commit path");
        assert!(
            !advisory_held(backend, key).await,
            "{backend:?}: after commit"
        );
        assert!(db.transaction(lock(1)).await.is_err());
        assert!(
            !advisory_held(backend, key).await,
            "{backend:?}: after an early error"
        );
        let panicked = AssertUnwindSafe(db.transaction(lock(2)))
            .catch_unwind()
            .await;
        assert!(panicked.is_err());
        assert!(
            !advisory_held(backend, key).await,
            "{backend:?}: after a panic"
        );
        let cancelled =
            tokio::time::timeout(Duration::from_millis(500), db.transaction(lock(3))).await;
        assert!(cancelled.is_err());
        eventually("the lock of a cancelled session is released", || async {
            !advisory_held(backend, key).await
        })
        .await;
        crate::support::checked_in(&db).await;
        // A second session waiting for a held lock times out with a typed error.
        let holder = db.clone();
        let (locked, release) = (
            Arc::new(tokio::sync::Notify::new()),
            Arc::new(tokio::sync::Notify::new()),
        );
        let (l, r) = (locked.clone(), release.clone());
        let task = tokio::spawn(async move {
            holder
                .transaction(|s| {
                    Box::pin(async move {
                        s.advisory_lock(key, wait).await?;
                        l.notify_one();
                        r.notified().await;
                        Ok::<_, SqlError>(())
                    })
                })
                .await
        });
        locked.notified().await;
        let refused = db
            .transaction(|s| {
                Box::pin(async move { s.advisory_lock(key, Duration::from_millis(200)).await })
            })
            .await;
        assert!(
            matches!(refused, Err(SqlError::LockTimeout { .. })),
            "{backend:?}: {refused:?}"
        );
        release.notify_one();
        task.await.expect("join").expect("holder commits");
        assert!(!advisory_held(backend, key).await);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs postgres on 5432 and mariadb on 3306"]
async fn a_statement_error_the_handler_swallowed_does_not_pass_for_a_commit() {
    for backend in BACKENDS {
        let db = Db::new(pool(backend, 2).await);
        let t = table(backend).await;
        let (first, again) = (
            format!("INSERT INTO {t} (id, note) VALUES (1, 'x')"),
            format!("INSERT INTO {t} (id, note) VALUES (1, 'again')"),
        );
        let outcome = db
            .transaction(|s| {
                Box::pin(async move {
                    s.execute(&first, &[]).await?;
                    // A duplicate key, caught and ignored by the handler.
                    assert!(s.execute(&again, &[]).await.is_err());
                    Ok::<_, SqlError>(())
                })
            })
            .await;
        match backend {
            // PostgreSQL aborted the whole transaction at the failed statement: its COMMIT
            // would roll back without an error, so the session reports it.
            Backend::Postgres => {
                assert!(matches!(outcome, Err(SqlError::Aborted)), "{outcome:?}");
                assert_eq!(rows(backend, &t).await, 0);
                assert_eq!(db.metrics().count("session", Status::Ok), 0);
            }
            // MySQL undid only the failed statement; the first insert commits.
            Backend::MySql => {
                outcome.expect("commit");
                assert_eq!(rows(backend, &t).await, 1);
            }
        }
        crate::support::checked_in(&db).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs postgres on 5432 and mariadb on 3306"]
async fn a_lock_that_times_out_leaves_the_transaction_usable() {
    for backend in BACKENDS {
        let db = Db::new(pool(backend, 3).await);
        let t = table(backend).await;
        let key = 8_000_000 + i64::from(std::process::id());
        let holder = db.clone();
        let (locked, release) = (
            Arc::new(tokio::sync::Notify::new()),
            Arc::new(tokio::sync::Notify::new()),
        );
        let (l, r) = (locked.clone(), release.clone());
        let task = tokio::spawn(async move {
            holder
                .transaction(|s| {
                    Box::pin(async move {
                        s.advisory_lock(key, Duration::from_secs(5)).await?;
                        l.notify_one();
                        r.notified().await;
                        Ok::<_, SqlError>(())
                    })
                })
                .await
        });
        locked.notified().await;
        let insert = format!("INSERT INTO {t} (id, note) VALUES (2, 'after a lock timeout')");
        db.transaction(|s| {
            Box::pin(async move {
                let refused = s.advisory_lock(key, Duration::from_millis(100)).await;
                assert!(
                    matches!(refused, Err(SqlError::LockTimeout { .. })),
                    "{refused:?}"
                );
                s.execute(&insert, &[]).await?;
                Ok::<_, SqlError>(())
            })
        })
        .await
        .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        assert_eq!(rows(backend, &t).await, 1, "{backend:?}");
        release.notify_one();
        task.await.expect("join").expect("holder");
    }
}
