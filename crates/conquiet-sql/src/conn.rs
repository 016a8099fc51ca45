//! The two backends behind one face: a pool, a connection and a row for PostgreSQL or
//! MySQL/MariaDB, with statements written once (`?` placeholders, numbered for PostgreSQL)
//! and values bound from [`Value`].

use sqlx::pool::PoolConnection;
use sqlx::query::Query;
use sqlx::{Database, Decode, Encode, Executor, Type};

use crate::error::{Result, SqlError};
use crate::value::{Value, numbered_placeholders};

#[cfg(not(any(feature = "postgres", feature = "mysql")))]
compile_error!("conquiet-sql needs the feature `postgres`, `mysql`, or both");

/// Which database a pool talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB.
    MySql,
}

/// A sqlx pool of either backend. Build it with sqlx's own `PoolOptions` (its size and
/// timeouts are yours to set), then hand it over.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Pool {
    /// A PostgreSQL pool.
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
    /// A MySQL or MariaDB pool.
    #[cfg(feature = "mysql")]
    MySql(sqlx::MySqlPool),
}

impl Pool {
    /// The backend.
    pub fn backend(&self) -> Backend {
        match self {
            #[cfg(feature = "postgres")]
            Pool::Postgres(_) => Backend::Postgres,
            #[cfg(feature = "mysql")]
            Pool::MySql(_) => Backend::MySql,
        }
    }

    /// Connections lent out now: open minus idle. Zero whenever no session is running; a
    /// test for leaks reads it.
    pub fn checked_out(&self) -> u32 {
        let (size, idle) = match self {
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => (p.size(), p.num_idle()),
            #[cfg(feature = "mysql")]
            Pool::MySql(p) => (p.size(), p.num_idle()),
        };
        size.saturating_sub(u32::try_from(idle).unwrap_or(u32::MAX))
    }

    pub(crate) async fn acquire(&self) -> Result<Conn> {
        let conn = match self {
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => Conn::Postgres(p.acquire().await.map_err(SqlError::Acquire)?),
            #[cfg(feature = "mysql")]
            Pool::MySql(p) => Conn::MySql(p.acquire().await.map_err(SqlError::Acquire)?),
        };
        Ok(conn)
    }
}

/// One connection taken from a pool.
pub(crate) enum Conn {
    #[cfg(feature = "postgres")]
    Postgres(PoolConnection<sqlx::Postgres>),
    #[cfg(feature = "mysql")]
    MySql(PoolConnection<sqlx::MySql>),
}

/// Binds `args` in order: the one place values meet a backend's types.
fn bind<'q, DB: Database>(
    mut query: Query<'q, DB, <DB as Database>::Arguments<'q>>,
    args: &'q [Value],
) -> Query<'q, DB, <DB as Database>::Arguments<'q>>
where
    i64: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    &'q str: Encode<'q, DB> + Type<DB>,
    &'q [u8]: Encode<'q, DB> + Type<DB>,
{
    for arg in args {
        query = match arg {
            Value::Null => query.bind(None::<i64>),
            Value::Int(n) => query.bind(*n),
            Value::Text(s) => query.bind(s.as_str()),
            Value::Bytes(b) => query.bind(b.as_slice()),
        };
    }
    query
}

impl Conn {
    pub(crate) fn backend(&self) -> Backend {
        match self {
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => Backend::Postgres,
            #[cfg(feature = "mysql")]
            Conn::MySql(_) => Backend::MySql,
        }
    }

    /// A statement without arguments, sent as text (BEGIN, COMMIT, ROLLBACK).
    pub(crate) async fn simple(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        match self {
            #[cfg(feature = "postgres")]
            Conn::Postgres(c) => c.execute(sql).await.map(|_| ()),
            #[cfg(feature = "mysql")]
            Conn::MySql(c) => c.execute(sql).await.map(|_| ()),
        }
    }

    /// Runs a statement; answers the rows it affected (matched, for an UPDATE).
    pub(crate) async fn execute(&mut self, sql: &str, args: &[Value]) -> Result<u64, sqlx::Error> {
        match self {
            #[cfg(feature = "postgres")]
            Conn::Postgres(c) => {
                let sql = numbered_placeholders(sql);
                let done = bind(sqlx::query(&sql), args).execute(&mut **c).await?;
                Ok(done.rows_affected())
            }
            #[cfg(feature = "mysql")]
            Conn::MySql(c) => {
                let done = bind(sqlx::query(sql), args).execute(&mut **c).await?;
                Ok(done.rows_affected())
            }
        }
    }

    /// Runs a query; answers its rows.
    pub(crate) async fn fetch_all(
        &mut self,
        sql: &str,
        args: &[Value],
    ) -> Result<Vec<Row>, sqlx::Error> {
        match self {
            #[cfg(feature = "postgres")]
            Conn::Postgres(c) => {
                let sql = numbered_placeholders(sql);
                let rows = bind(sqlx::query(&sql), args).fetch_all(&mut **c).await?;
                Ok(rows.into_iter().map(Row::Postgres).collect())
            }
            #[cfg(feature = "mysql")]
            Conn::MySql(c) => {
                let rows = bind(sqlx::query(sql), args).fetch_all(&mut **c).await?;
                Ok(rows.into_iter().map(Row::MySql).collect())
            }
        }
    }

    /// Closes the connection instead of returning it: for a connection whose transaction
    /// state is not known (a failed BEGIN, COMMIT or ROLLBACK, a cancelled session). The
    /// database rolls back whatever was open and drops the connection's locks with it.
    pub(crate) fn close(self) {
        match self {
            #[cfg(feature = "postgres")]
            Conn::Postgres(c) => drop(c.detach()),
            #[cfg(feature = "mysql")]
            Conn::MySql(c) => drop(c.detach()),
        }
    }
}

/// One row read back.
#[derive(Debug)]
#[non_exhaustive]
pub enum Row {
    /// From PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(sqlx::postgres::PgRow),
    /// From MySQL or MariaDB.
    #[cfg(feature = "mysql")]
    MySql(sqlx::mysql::MySqlRow),
}

fn get<'r, R, T>(row: &'r R, column: &'r str) -> Result<T>
where
    R: sqlx::Row,
    T: Decode<'r, R::Database> + Type<R::Database>,
    &'r str: sqlx::ColumnIndex<R>,
{
    row.try_get::<T, _>(column).map_err(|e| SqlError::Decode {
        column: column.to_string(),
        message: e.to_string(),
    })
}

impl Row {
    /// An integer column (BIGINT, INT or SMALLINT).
    pub fn int(&self, column: &str) -> Result<i64> {
        match self {
            #[cfg(feature = "postgres")]
            Row::Postgres(r) => get::<_, i64>(r, column)
                .or_else(|_| get::<_, i32>(r, column).map(i64::from))
                .or_else(|_| get::<_, i16>(r, column).map(i64::from)),
            #[cfg(feature = "mysql")]
            Row::MySql(r) => get::<_, i64>(r, column)
                .or_else(|_| get::<_, i32>(r, column).map(i64::from))
                .or_else(|_| {
                    get::<_, u64>(r, column).map(|n| i64::try_from(n).unwrap_or(i64::MAX))
                }),
        }
    }

    /// A nullable integer column (BIGINT or INT).
    pub fn opt_int(&self, column: &str) -> Result<Option<i64>> {
        match self {
            #[cfg(feature = "postgres")]
            Row::Postgres(r) => get::<_, Option<i64>>(r, column)
                .or_else(|_| get::<_, Option<i32>>(r, column).map(|n| n.map(i64::from))),
            #[cfg(feature = "mysql")]
            Row::MySql(r) => get::<_, Option<i64>>(r, column)
                .or_else(|_| get::<_, Option<i32>>(r, column).map(|n| n.map(i64::from))),
        }
    }

    /// A text column.
    pub fn text(&self, column: &str) -> Result<String> {
        match self {
            #[cfg(feature = "postgres")]
            Row::Postgres(r) => get::<_, String>(r, column),
            #[cfg(feature = "mysql")]
            Row::MySql(r) => get::<_, String>(r, column).or_else(|_| {
                get::<_, Vec<u8>>(r, column).map(|b| String::from_utf8_lossy(&b).into_owned())
            }),
        }
    }

    /// A bytes column.
    pub fn bytes(&self, column: &str) -> Result<Vec<u8>> {
        match self {
            #[cfg(feature = "postgres")]
            Row::Postgres(r) => get::<_, Vec<u8>>(r, column),
            #[cfg(feature = "mysql")]
            Row::MySql(r) => get::<_, Vec<u8>>(r, column),
        }
    }
}
