//! [`Db`] and [`Session`]: one transaction per scope, on one connection from the pool, with
//! the primitives that make concurrent jobs safe.
//!
//! The connection's transaction state is tracked by the session itself, not left to the
//! driver: a connection goes back to the pool only after a COMMIT or ROLLBACK that the
//! database confirmed. Any other way out (BEGIN, COMMIT or ROLLBACK failing, a panic, the
//! future dropped mid-way) closes the connection instead, and the database rolls back and
//! drops the connection's locks. So no path returns a connection with an open transaction
//! (sqlx's own `begin()` could, when cancelled at the wrong moment) or leaves one checked out.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use futures_util::future::BoxFuture;

use crate::conn::{Backend, Conn, Pool, Row};
use crate::error::{Result, SqlError};
use crate::metrics::{SqlMetrics, Status};
use crate::value::{Value, identifier};

tokio::task_local! {
    /// Set while a session's scope runs on this task: a second session inside it is refused.
    static IN_SESSION: ();
}

/// Where the inbox and outbox live. Defaults: `conquiet_inbox`, `conquiet_outbox`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tables {
    /// The inbox: one row per (queue, group, entry) whose transaction committed.
    pub inbox: String,
    /// The outbox: messages published inside transactions, waiting for the relay.
    pub outbox: String,
}

impl Default for Tables {
    fn default() -> Tables {
        Tables {
            inbox: "conquiet_inbox".into(),
            outbox: "conquiet_outbox".into(),
        }
    }
}

/// A database for sessions: a pool, metrics and the inbox and outbox tables. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    inner: Arc<DbInner>,
}

struct DbInner {
    pool: Pool,
    metrics: SqlMetrics,
    tables: Tables,
}

impl Db {
    /// A database over `pool` with the default table names.
    pub fn new(pool: Pool) -> Db {
        Db {
            inner: Arc::new(DbInner {
                pool,
                metrics: SqlMetrics::default(),
                tables: Tables::default(),
            }),
        }
    }

    /// The same, with other inbox and outbox table names (checked as plain identifiers).
    pub fn with_tables(pool: Pool, tables: Tables) -> Result<Db> {
        identifier(&tables.inbox)?;
        identifier(&tables.outbox)?;
        Ok(Db {
            inner: Arc::new(DbInner {
                pool,
                metrics: SqlMetrics::default(),
                tables,
            }),
        })
    }

    /// The pool (for its figures: [`Pool::checked_out`]).
    pub fn pool(&self) -> &Pool {
        &self.inner.pool
    }

    /// The metrics of every session on this database.
    pub fn metrics(&self) -> &SqlMetrics {
        &self.inner.metrics
    }

    /// The table names.
    pub fn tables(&self) -> &Tables {
        &self.inner.tables
    }

    /// Creates the inbox and outbox tables if they are missing (see docs/sql.md).
    pub async fn setup(&self) -> Result<()> {
        let mut conn = self.inner.pool.acquire().await?;
        for statement in crate::tables::create(conn.backend(), &self.inner.tables) {
            conn.simple(&statement).await.map_err(SqlError::Database)?;
        }
        Ok(())
    }

    /// Runs `f` inside one transaction and commits if it returns `Ok`; rolls back if it
    /// returns an error or panics (the panic goes on afterwards). Dropping the returned
    /// future mid-way closes the connection, so the database rolls back. A session inside
    /// another on the same task is refused with [`SqlError::Nested`].
    ///
    /// ```no_run
    /// # async fn run(db: conquiet_sql::Db) -> Result<(), conquiet_sql::SqlError> {
    /// let applied = db
    ///     .transaction(|s| {
    ///         Box::pin(async move {
    ///             s.update_if("UPDATE stock SET n = n - 1 WHERE sku = ? AND n > 0", &["a-1".into()])
    ///                 .await
    ///         })
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn transaction<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: for<'s> FnOnce(&'s mut Session) -> BoxFuture<'s, Result<T, E>> + Send,
        E: From<SqlError> + Send,
        T: Send,
    {
        if IN_SESSION.try_with(|()| ()).is_ok() {
            return Err(SqlError::Nested.into());
        }
        IN_SESSION.scope((), self.scope(f)).await
    }

    /// As [`Db::transaction`], run again (in a new transaction, with `make` called again)
    /// while it fails with [`SqlError::Conflict`], at most `attempts` times in all: the
    /// retry loop of optimistic concurrency. A retry must start over, since under MySQL's
    /// REPEATABLE READ a re-read inside the same transaction would see the same old row.
    pub async fn transaction_retrying<T, F>(&self, attempts: u32, make: impl Fn() -> F) -> Result<T>
    where
        F: for<'s> FnOnce(&'s mut Session) -> BoxFuture<'s, Result<T>> + Send,
        T: Send,
    {
        let mut left = attempts.max(1);
        loop {
            left -= 1;
            match self.transaction(make()).await {
                Err(SqlError::Conflict(_)) if left > 0 => continue,
                other => return other,
            }
        }
    }

    async fn scope<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: for<'s> FnOnce(&'s mut Session) -> BoxFuture<'s, Result<T, E>> + Send,
        E: From<SqlError> + Send,
    {
        // Recorded on drop, so a panic or a cancelled session counts as an error too.
        let mut record = SessionRecord {
            metrics: &self.inner.metrics,
            started: Instant::now(),
            ok: false,
        };
        let outcome = self.scope_inner(f).await;
        record.ok = outcome.is_ok();
        outcome
    }

    async fn scope_inner<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: for<'s> FnOnce(&'s mut Session) -> BoxFuture<'s, Result<T, E>> + Send,
        E: From<SqlError> + Send,
    {
        let conn = self.inner.pool.acquire().await?;
        let mut session = Session {
            backend: conn.backend(),
            conn: Some(conn),
            state: TxState::Unknown,
            mysql_locks: Vec::new(),
            aborted: false,
            db: self.clone(),
        };
        session.begin().await?;
        let ran = AssertUnwindSafe(f(&mut session)).catch_unwind().await;
        match ran {
            Ok(Ok(value)) => {
                session.commit().await?;
                Ok(value)
            }
            Ok(Err(error)) => {
                session.rollback().await;
                Err(error)
            }
            Err(panic) => {
                session.rollback().await;
                std::panic::resume_unwind(panic)
            }
        }
    }
}

/// Gives a session closure its type. A closure passed straight to [`Db::transaction`] gets
/// it from there; one made elsewhere (returned by another closure, as
/// [`Db::transaction_retrying`] wants) needs this to borrow its session correctly.
///
/// ```
/// use conquiet_sql::{SqlError, tx};
/// let make = || tx(|s| Box::pin(async move { s.execute("SELECT 1", &[]).await.map(|_| ()) }));
/// # let _: &dyn Fn() -> _ = &make;
/// ```
pub fn tx<T, E, F>(f: F) -> F
where
    F: for<'s> FnOnce(&'s mut Session) -> BoxFuture<'s, Result<T, E>>,
{
    f
}

/// Records a session's outcome when it ends, however it ends.
struct SessionRecord<'a> {
    metrics: &'a SqlMetrics,
    started: Instant,
    ok: bool,
}

impl Drop for SessionRecord<'_> {
    fn drop(&mut self) {
        let status = if self.ok { Status::Ok } else { Status::Error };
        self.metrics.record("session", status, self.started);
    }
}

/// Where the session's connection stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TxState {
    /// No transaction open: the connection may go back to the pool.
    Idle,
    /// BEGIN succeeded.
    Open,
    /// A BEGIN, COMMIT or ROLLBACK was sent and not confirmed.
    Unknown,
}

/// One transaction on one connection. Only [`Db::transaction`] makes one.
pub struct Session {
    conn: Option<Conn>,
    backend: Backend,
    state: TxState,
    /// MySQL `GET_LOCK` names held: session-level locks, released on this same connection
    /// before it goes back (PostgreSQL's transaction-level locks end with the transaction).
    mysql_locks: Vec<String>,
    /// A statement failed in a way that ended the transaction on the server (any error on
    /// PostgreSQL, which then ignores everything until the end; a deadlock or lock-wait
    /// rollback on MySQL). COMMIT would not commit: it rolls back and says so.
    aborted: bool,
    db: Db,
}

impl Drop for Session {
    fn drop(&mut self) {
        let clean = self.state == TxState::Idle && self.mysql_locks.is_empty();
        if let Some(conn) = self.conn.take()
            && !clean
        {
            conn.close();
        }
    }
}

impl Session {
    fn conn(&mut self) -> &mut Conn {
        self.conn
            .as_mut()
            .expect("only Drop takes the connection out")
    }

    /// The database this session runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The database's id for this connection (PostgreSQL's backend pid, MySQL's connection
    /// id): what an operator would kill.
    pub async fn connection_id(&mut self) -> Result<i64> {
        let sql = match self.backend {
            Backend::Postgres => "SELECT CAST(pg_backend_pid() AS BIGINT) AS id",
            Backend::MySql => "SELECT CAST(CONNECTION_ID() AS SIGNED) AS id",
        };
        let rows = self.fetch_all(sql, &[]).await?;
        rows.first()
            .ok_or_else(|| SqlError::Database(sqlx::Error::RowNotFound))?
            .int("id")
    }

    async fn begin(&mut self) -> Result<()> {
        let started = Instant::now();
        self.state = TxState::Unknown;
        match self.conn().simple("BEGIN").await {
            Ok(()) => {
                self.state = TxState::Open;
                self.db.metrics().record("begin", Status::Ok, started);
                Ok(())
            }
            Err(e) => {
                self.db.metrics().record("begin", Status::Error, started);
                Err(SqlError::Begin(e))
            }
        }
    }

    async fn commit(&mut self) -> Result<()> {
        let started = Instant::now();
        if self.aborted {
            // PostgreSQL would answer this COMMIT with a rollback and no error: say so.
            self.rollback().await;
            self.db.metrics().record("commit", Status::Error, started);
            return Err(SqlError::Aborted);
        }
        self.state = TxState::Unknown;
        if let Err(e) = self.conn().simple("COMMIT").await {
            self.db.metrics().record("commit", Status::Error, started);
            return Err(SqlError::Commit(e));
        }
        self.state = TxState::Idle;
        self.db.metrics().record("commit", Status::Ok, started);
        self.release_mysql_locks().await;
        Ok(())
    }

    /// Rolls back; when that fails the connection is closed at drop, which rolls back too.
    async fn rollback(&mut self) {
        let started = Instant::now();
        self.state = TxState::Unknown;
        let status = match self.conn().simple("ROLLBACK").await {
            Ok(()) => {
                self.state = TxState::Idle;
                Status::Ok
            }
            Err(_) => Status::Error,
        };
        self.db.metrics().record("rollback", status, started);
        self.release_mysql_locks().await;
    }

    /// Releases the MySQL locks one by one; a name leaves the list only once its release is
    /// confirmed, so a failure or a cancel in between leaves names and Drop closes the
    /// connection (which releases them).
    async fn release_mysql_locks(&mut self) {
        while let Some(name) = self.mysql_locks.last().cloned() {
            let released = self
                .conn()
                .execute("SELECT RELEASE_LOCK(?)", &[Value::Text(name)])
                .await;
            if released.is_err() {
                return;
            }
            self.mysql_locks.pop();
        }
    }

    /// Notes what a failed statement did to the transaction. Paired with `commit`.
    fn note_failure(&mut self, error: &sqlx::Error) {
        self.aborted |= match self.backend {
            Backend::Postgres => true,
            // 1213: deadlock, 1205: lock wait timeout (rolls back the whole transaction
            // with innodb_rollback_on_timeout); other errors undo only their statement.
            Backend::MySql => match error {
                sqlx::Error::Database(e) => e
                    .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
                    .is_some_and(|e| matches!(e.number(), 1213 | 1205)),
                _ => true,
            },
        };
    }

    /// Runs a statement in the transaction (`?` placeholders on both backends); answers the
    /// rows it affected.
    pub async fn execute(&mut self, sql: &str, args: &[Value]) -> Result<u64> {
        let done = self.conn().execute(sql, args).await;
        done.map_err(|e| {
            self.note_failure(&e);
            SqlError::Database(e)
        })
    }

    /// Runs a query in the transaction; answers its rows.
    pub async fn fetch_all(&mut self, sql: &str, args: &[Value]) -> Result<Vec<Row>> {
        let rows = self.conn().fetch_all(sql, args).await;
        rows.map_err(|e| {
            self.note_failure(&e);
            SqlError::Database(e)
        })
    }

    /// Runs a query in the transaction; answers its first row, if any.
    pub async fn fetch_optional(&mut self, sql: &str, args: &[Value]) -> Result<Option<Row>> {
        Ok(self.fetch_all(sql, args).await?.into_iter().next())
    }

    /// Records `op`'s outcome with `started`, passing `result` through.
    fn timed<T>(
        &self,
        op: &'static str,
        started: Instant,
        result: Result<T>,
        applied: impl Fn(&T) -> bool,
    ) -> Result<T> {
        let status = match &result {
            Ok(v) if applied(v) => Status::Ok,
            Ok(_) => Status::NotApplied,
            Err(_) => Status::Error,
        };
        self.db.metrics().record(op, status, started);
        result
    }

    /// **Insert-if-absent** (idempotent insert): inserts the row unless one with the same
    /// unique key (`key_columns`, which must carry a primary key or unique constraint) is
    /// there; answers whether it inserted. A concurrent insert of the same key waits for the
    /// other transaction and then answers `false` if it committed. Use it to make a repeated
    /// job's effect happen once (the inbox is one).
    pub async fn insert_if_absent(
        &mut self,
        table: &str,
        columns: &[(&str, Value)],
        key_columns: &[&str],
    ) -> Result<bool> {
        let started = Instant::now();
        let result = self
            .insert_if_absent_inner(table, columns, key_columns)
            .await;
        self.timed("insert_if_absent", started, result, |inserted| *inserted)
    }

    async fn insert_if_absent_inner(
        &mut self,
        table: &str,
        columns: &[(&str, Value)],
        key_columns: &[&str],
    ) -> Result<bool> {
        let names = columns
            .iter()
            .map(|(c, _)| identifier(c))
            .collect::<Result<Vec<_>>>()?
            .join(", ");
        let keys = key_columns
            .iter()
            .map(|c| identifier(c))
            .collect::<Result<Vec<_>>>()?
            .join(", ");
        let marks = vec!["?"; columns.len()].join(", ");
        let values: Vec<Value> = columns.iter().map(|(_, v)| v.clone()).collect();
        let table = identifier(table)?;
        match self.backend {
            Backend::Postgres => {
                let sql = format!(
                    "INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT ({keys}) DO NOTHING"
                );
                Ok(self.execute(&sql, &values).await? == 1)
            }
            Backend::MySql => {
                // A duplicate key fails only the statement in MySQL, not the transaction;
                // INSERT IGNORE would also swallow other errors, so it is not used.
                let sql = format!("INSERT INTO {table} ({names}) VALUES ({marks})");
                match self.conn().execute(&sql, &values).await {
                    Ok(n) => Ok(n == 1),
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
                    Err(e) => {
                        self.note_failure(&e);
                        Err(SqlError::Database(e))
                    }
                }
            }
        }
    }

    /// **Conditional update**: runs an UPDATE whose WHERE clause states the condition and
    /// answers whether it applied (matched a row). The check and the write are one
    /// statement, so no other transaction can change the row in between. Use it for
    /// compare-and-set: `UPDATE t SET n = ? WHERE id = ? AND n = ?`.
    pub async fn update_if(&mut self, sql: &str, args: &[Value]) -> Result<bool> {
        let started = Instant::now();
        let result = self.execute(sql, args).await.map(|rows| rows > 0);
        self.timed("update_if", started, result, |applied| *applied)
    }

    /// **Optimistic update** on a version column: sets `set` and increments `version_column`
    /// where the key matches and the version is still `expected_version`; answers whether it
    /// applied. `false` means another writer got there first: re-read and try again in a new
    /// transaction (return [`SqlError::Conflict`] to [`Db::transaction_retrying`]).
    /// Use it when conflicts are rare and holding a lock while working is not wanted.
    pub async fn optimistic_update(
        &mut self,
        table: &str,
        key: (&str, Value),
        version_column: &str,
        expected_version: i64,
        set: &[(&str, Value)],
    ) -> Result<bool> {
        let started = Instant::now();
        let result = self
            .optimistic_inner(table, key, version_column, expected_version, set)
            .await;
        self.timed("optimistic_update", started, result, |applied| *applied)
    }

    async fn optimistic_inner(
        &mut self,
        table: &str,
        (key_column, key): (&str, Value),
        version_column: &str,
        expected_version: i64,
        set: &[(&str, Value)],
    ) -> Result<bool> {
        let table = identifier(table)?;
        let version = identifier(version_column)?;
        let key_column = identifier(key_column)?;
        let mut assignments = Vec::with_capacity(set.len() + 1);
        let mut args = Vec::with_capacity(set.len() + 2);
        for (column, value) in set {
            assignments.push(format!("{} = ?", identifier(column)?));
            args.push(value.clone());
        }
        assignments.push(format!("{version} = {version} + 1"));
        args.push(key);
        args.push(Value::Int(expected_version));
        let sql = format!(
            "UPDATE {table} SET {} WHERE {key_column} = ? AND {version} = ?",
            assignments.join(", ")
        );
        Ok(self.execute(&sql, &args).await? > 0)
    }

    /// **Row lock**: `SELECT * ... FOR UPDATE` of the row whose `key` matches; other
    /// transactions that lock or write it wait until this one ends. Answers the row, if any.
    /// Use it to read-modify-write one row safely.
    pub async fn lock_row(&mut self, table: &str, key: (&str, Value)) -> Result<Option<Row>> {
        let started = Instant::now();
        let result = async {
            let sql = format!(
                "SELECT * FROM {} WHERE {} = ? FOR UPDATE",
                identifier(table)?,
                identifier(key.0)?
            );
            self.fetch_optional(&sql, &[key.1]).await
        }
        .await;
        self.timed("lock_row", started, result, Option::is_some)
    }

    /// **Advisory lock** on `key`, held by this session's own connection until the
    /// transaction ends (COMMIT or ROLLBACK, on every path: PostgreSQL's
    /// `pg_advisory_xact_lock`; MySQL's `GET_LOCK`, released with `RELEASE_LOCK` on the same
    /// connection, or by closing it). Waits up to `wait`, then [`SqlError::LockTimeout`].
    /// Use it to serialize work that has no single row to lock.
    pub async fn advisory_lock(&mut self, key: i64, wait: Duration) -> Result<()> {
        let started = Instant::now();
        let result = self.advisory_inner(key, wait).await;
        self.timed("advisory_lock", started, result, |()| true)
    }

    async fn advisory_inner(&mut self, key: i64, wait: Duration) -> Result<()> {
        let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1);
        let timeout = || SqlError::LockTimeout { key, wait_ms };
        match self.backend {
            Backend::Postgres => {
                // Inside a savepoint, so a lock that times out costs the savepoint, not the
                // transaction; the session's own lock_timeout comes back afterwards.
                let rows = self
                    .fetch_all("SELECT current_setting('lock_timeout') AS v", &[])
                    .await?;
                let before = rows.first().map(|r| r.text("v")).transpose()?;
                self.execute("SAVEPOINT conquiet_lock", &[]).await?;
                self.execute(
                    "SELECT set_config('lock_timeout', ?, true)",
                    &[Value::Text(format!("{wait_ms}ms"))],
                )
                .await?;
                let locked = self
                    .conn()
                    .execute("SELECT pg_advisory_xact_lock(?)", &[Value::Int(key)])
                    .await;
                match locked {
                    Ok(_) => self.execute("RELEASE SAVEPOINT conquiet_lock", &[]).await?,
                    // 55P03: lock_not_available. Only the savepoint is undone.
                    Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("55P03") => {
                        self.execute("ROLLBACK TO SAVEPOINT conquiet_lock", &[])
                            .await?;
                        return Err(timeout());
                    }
                    Err(e) => {
                        self.note_failure(&e);
                        return Err(SqlError::Database(e));
                    }
                };
                let before = Value::Text(before.unwrap_or_else(|| "0".into()));
                self.execute("SELECT set_config('lock_timeout', ?, true)", &[before])
                    .await?;
                Ok(())
            }
            Backend::MySql => {
                let name = format!("conquiet-sql:{key}");
                let seconds = format!("{}.{:03}", wait_ms / 1000, wait_ms % 1000);
                // Listed before asking: if the answer is lost (an error, a cancel), the
                // session cannot know whether it holds the lock, and closes its connection.
                self.mysql_locks.push(name.clone());
                let rows = self
                    .fetch_all(
                        "SELECT GET_LOCK(?, CAST(? AS DECIMAL(12,3))) AS got",
                        &[Value::Text(name), Value::Text(seconds)],
                    )
                    .await?;
                let got = rows
                    .first()
                    .map(|r| r.opt_int("got"))
                    .transpose()?
                    .flatten();
                match got {
                    Some(1) => Ok(()),
                    Some(0) => {
                        self.mysql_locks.pop();
                        Err(timeout())
                    }
                    _ => Err(SqlError::Database(sqlx::Error::Protocol(
                        "GET_LOCK answered NULL (an error on the server)".into(),
                    ))),
                }
            }
        }
    }

    pub(crate) fn db(&self) -> &Db {
        &self.db
    }
}
