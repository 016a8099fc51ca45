//! Pools for both databases, unique table names, and a way to kill a session's connection
//! from outside (how a database failure is injected).

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use conquiet_sql::{Backend, Db, Pool, Tables, Value};

pub const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
pub const MY_URL: &str = "mysql://root@127.0.0.1:3306/test";
pub const NEEDS: &str = "needs postgres on 5432 and mariadb on 3306";

pub async fn pool(backend: Backend, max: u32) -> Pool {
    match backend {
        Backend::Postgres => Pool::Postgres(
            sqlx::postgres::PgPoolOptions::new()
                .max_connections(max)
                .acquire_timeout(Duration::from_secs(30))
                .connect(PG_URL)
                .await
                .expect("postgres on 5432"),
        ),
        Backend::MySql => Pool::MySql(
            sqlx::mysql::MySqlPoolOptions::new()
                .max_connections(max)
                .acquire_timeout(Duration::from_secs(30))
                .connect(MY_URL)
                .await
                .expect("mariadb on 3306"),
        ),
    }
}

pub const BACKENDS: [Backend; 2] = [Backend::Postgres, Backend::MySql];

/// A table name no other test (or test process) uses.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A database whose inbox and outbox are this test's own, set up.
pub async fn db(backend: Backend, max: u32) -> Db {
    let tables = Tables {
        inbox: unique("inbox"),
        outbox: unique("outbox"),
    };
    let db = Db::with_tables(pool(backend, max).await, tables).expect("names");
    db.setup().await.expect("setup");
    db
}

/// Runs `sql` outside any session, on a connection of its own (on a task of its own, so a
/// test's session may call it: a session on the same task would be refused as nested).
pub async fn admin(backend: Backend, sql: &str, args: &[Value]) -> Vec<conquiet_sql::Row> {
    let (sql, args) = (sql.to_string(), args.to_vec());
    tokio::spawn(async move {
        let db = Db::new(pool(backend, 1).await);
        db.transaction(|s| Box::pin(async move { s.fetch_all(&sql, &args).await }))
            .await
            .expect("admin statement")
    })
    .await
    .expect("admin task")
}

/// Waits until the pool has every connection back (sqlx checks a returned connection on a
/// task of its own before it counts as idle).
pub async fn checked_in(db: &Db) {
    eventually("every connection back in the pool", || async {
        db.pool().checked_out() == 0
    })
    .await;
}

/// Kills the database connection `id` (a backend pid or MySQL connection id) and waits for
/// it to be gone.
pub async fn kill(backend: Backend, id: i64) {
    match backend {
        Backend::Postgres => {
            admin(
                backend,
                "SELECT pg_terminate_backend(CAST(? AS INT), 5000)",
                &[Value::Int(id)],
            )
            .await;
        }
        Backend::MySql => {
            admin(backend, &format!("KILL {id}"), &[]).await;
        }
    }
}

/// Runs `ddl` (table setup) outside any session.
pub async fn ddl(backend: Backend, ddl: &str) {
    let db = Db::new(pool(backend, 1).await);
    let ddl = ddl.to_string();
    db.transaction(|s| Box::pin(async move { s.execute(&ddl, &[]).await }))
        .await
        .expect("ddl");
}

/// One integer from a query run outside any session.
pub async fn scalar(backend: Backend, sql: &str, args: &[Value]) -> i64 {
    let rows = admin(backend, sql, args).await;
    rows.first().expect("a row").int("v").expect("an integer v")
}

/// Polls `check` until it holds or 10 s pass.
pub async fn eventually<F: std::future::Future<Output = bool>>(
    what: &str,
    mut check: impl FnMut() -> F,
) {
    let started = std::time::Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "timed out waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `SELECT COUNT(*) <from_where>` outside any session.
pub async fn count(backend: Backend, from_where: &str) -> i64 {
    let int = match backend {
        Backend::Postgres => "BIGINT",
        Backend::MySql => "SIGNED",
    };
    scalar(
        backend,
        &format!("SELECT CAST(COUNT(*) AS {int}) AS v {from_where}"),
        &[],
    )
    .await
}
