//! Opening a database file: refuse what must not be touched (newer schema, damaged, locked,
//! network filesystem, unwritable folder) before anything is written, then configure and migrate.

use super::{
    BUSY_TIMEOUT, OPEN_BUSY_TIMEOUT, Refusal, Result, StoreError,
    error::{Damage, is_busy},
    schema,
};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::io::Read;
use std::path::{Path, PathBuf};

pub(super) fn open_checked(path: &Path) -> Result<Connection> {
    let path = path.to_path_buf();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.exists() {
        std::fs::create_dir_all(&dir).map_err(|e| Refusal::FolderNotWritable {
            path: path.clone(),
            dir: dir.clone(),
            detail: e.to_string(),
        })?;
    }
    if let Some(fs) = network_filesystem(&dir) {
        return Err(Refusal::NetworkFilesystem { path, fs }.into());
    }
    probe_writable(&path, &dir)?;
    check_header(&path)?;

    let damaged = |e: rusqlite::Error| -> StoreError {
        if is_busy(&e) {
            Refusal::Locked { path: path.clone() }.into()
        } else {
            Refusal::Damaged {
                path: path.clone(),
                damage: Damage::Sqlite(e.to_string()),
            }
            .into()
        }
    };
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(&path, flags).map_err(|e| Refusal::Cannot {
        path: path.clone(),
        detail: e.to_string(),
    })?;
    // Readers of a WAL database wait only for a lock held across a whole session (locking_mode
    // EXCLUSIVE, a rollback-journal writer) or for milliseconds (WAL recovery): a short wait
    // tells the person at the prompt sooner that the file is locked. Writes, the upgrade
    // included, get the full BUSY_TIMEOUT from `configure` below.
    conn.busy_timeout(OPEN_BUSY_TIMEOUT).map_err(damaged)?;

    // Read before writing anything: the version, and whether the schema is readable at all.
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(damaged)?;
    let foreign_tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
            [],
            |r| r.get(0),
        )
        .map_err(damaged)?;
    if version > schema::LATEST {
        return Err(Refusal::NewerVersion {
            path,
            found: version,
            known: schema::LATEST,
        }
        .into());
    }
    if version < 0 {
        return Err(Refusal::Damaged {
            path,
            damage: Damage::Version(version),
        }
        .into());
    }
    let app_id: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(damaged)?;
    if app_id != 0 && app_id != schema::APPLICATION_ID {
        return Err(Refusal::Damaged {
            path,
            damage: Damage::ForeignTables,
        }
        .into());
    }
    if version == 0 && foreign_tables > 0 {
        return Err(Refusal::Damaged {
            path,
            damage: Damage::ForeignTables,
        }
        .into());
    }

    // Two programs creating a new file at once can deadlock on the switch to WAL: SQLite
    // then answers busy at once, without waiting. Try again until the open-time limit.
    let deadline = std::time::Instant::now() + OPEN_BUSY_TIMEOUT;
    let mode: String = retry_busy(deadline, || {
        conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
    })
    .map_err(damaged)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Refusal::Cannot {
            path,
            detail: format!("the journal mode stays {mode}, not WAL"),
        }
        .into());
    }
    configure(&mut conn)?;
    if version < schema::LATEST {
        // Another program may have upgraded the file since the version was read above; the
        // upgrade reads it again under the write lock.
        let found = retry_busy(deadline, || schema::upgrade(&mut conn)).map_err(damaged)?;
        if found > schema::LATEST {
            return Err(Refusal::NewerVersion {
                path,
                found,
                known: schema::LATEST,
            }
            .into());
        }
    }
    Ok(conn)
}

/// Runs `f` again while SQLite answers busy without having waited (a lock deadlock between
/// two programs opening at once), until `deadline`.
fn retry_busy<T>(
    deadline: std::time::Instant,
    mut f: impl FnMut() -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    loop {
        match f() {
            Err(e) if is_busy(&e) && std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// The pragmas of every connection. Durability first: FULL syncs the WAL on every commit.
pub(super) fn configure(conn: &mut Connection) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.set_transaction_behavior(TransactionBehavior::Immediate);
    Ok(())
}

/// A non-empty file must start with SQLite's magic string and be a whole number of pages;
/// anything else is not ours to touch. SQLite reads a file cut short in the middle of its
/// last page without complaint, and its first write would build on the torn page.
fn check_header(path: &Path) -> Result<()> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(()); // does not exist yet: it will be created
    };
    // Closing any descriptor of a file drops every POSIX lock this process holds on it,
    // SQLite's included: reading the header with a fresh `File` while another Store of this
    // process has the database open would let a third program delete the WAL under it
    // (sqlite.org/howtocorrupt.html §2.2). So each file's descriptor is opened once and kept.
    // (An open descriptor also keeps the inode alive, so its number is never reused by
    // another file while it is in the list.)
    static HEADER_READERS: std::sync::Mutex<Vec<((u64, u64), std::fs::File)>> =
        std::sync::Mutex::new(Vec::new());
    let mut readers = HEADER_READERS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut fresh = None;
    let f = match file_key(&meta) {
        Some(key) => match readers.iter().position(|(k, _)| *k == key) {
            Some(at) => &mut readers[at].1,
            None => {
                let Ok(f) = std::fs::File::open(path) else {
                    return Ok(()); // vanished or unreadable: SQLite will say what is wrong
                };
                readers.push((key, f));
                let at = readers.len() - 1;
                &mut readers[at].1
            }
        },
        None => {
            let Ok(f) = std::fs::File::open(path) else {
                return Ok(());
            };
            fresh.insert(f)
        }
    };
    let damaged = |damage: Damage| -> StoreError {
        Refusal::Damaged {
            path: path.to_path_buf(),
            damage,
        }
        .into()
    };
    let mut head = [0u8; 100];
    let n = read_up_to(f, &mut head);
    if n == 0 {
        return Ok(());
    }
    if n < 16 || &head[..16] != b"SQLite format 3\0" {
        return Err(damaged(Damage::NoHeader));
    }
    if n < head.len() {
        return Err(damaged(Damage::ShortHeader));
    }
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    match page_size(&head) {
        None => Err(damaged(Damage::PageSize)),
        Some(page) if len % page != 0 => Err(damaged(Damage::Truncated)),
        Some(_) => Ok(()),
    }
}

/// The page size in a database header: a power of two from 512 to 32768, or 1 for 65536.
fn page_size(head: &[u8; 100]) -> Option<u64> {
    match u16::from_be_bytes([head[16], head[17]]) {
        1 => Some(65536),
        p if (512..=32768).contains(&p) && p.is_power_of_two() => Some(u64::from(p)),
        _ => None,
    }
}

/// What identifies a file whatever path it is reached by, where POSIX locks are per file.
#[cfg(unix)]
fn file_key(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

/// Elsewhere a lock belongs to its handle, so a fresh handle per read is safe.
#[cfg(not(unix))]
fn file_key(_meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// Reads from the start until `buf` is full or the file ends.
fn read_up_to(f: &mut std::fs::File, buf: &mut [u8]) -> usize {
    use std::io::{Seek, SeekFrom};
    if f.seek(SeekFrom::Start(0)).is_err() {
        return 0;
    }
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    n
}

/// SQLite needs to create `-wal` and `-shm` beside the file; find out now, not mid-write.
fn probe_writable(path: &Path, dir: &Path) -> Result<()> {
    let probe = dir.join(format!(".marketdesk-probe-{}", std::process::id()));
    let result = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .and_then(|_| std::fs::remove_file(&probe));
    result.map_err(|e| {
        Refusal::FolderNotWritable {
            path: path.to_path_buf(),
            dir: dir.to_path_buf(),
            detail: e.to_string(),
        }
        .into()
    })
}

/// The name of the network filesystem `dir` is on, if it is on one.
#[cfg(target_os = "linux")]
fn network_filesystem(dir: &Path) -> Option<String> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated path and `st` a properly sized out-parameter.
    if unsafe { libc::statfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    // Magic numbers are 32-bit; `f_type` is a signed word that is 32 bits on some targets.
    network_filesystem_name(st.f_type as u32).map(str::to_string)
}

/// The network filesystem a Linux `statfs` magic number stands for, if it is one.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn network_filesystem_name(magic: u32) -> Option<&'static str> {
    Some(match magic {
        0x6969 => "NFS",
        0x517B => "SMB",
        0xFF534D42 => "CIFS",
        0xFE534D42 => "SMB2",
        0x5346414F => "AFS",
        0x73757245 => "Coda",
        0x564C => "NCP",
        0x00C36400 => "Ceph",
        0x01021997 => "9P",
        0x47504653 => "GPFS",
        _ => return None,
    })
}

#[cfg(all(unix, not(target_os = "linux")))]
fn network_filesystem(dir: &Path) -> Option<String> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::statfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    let name: Vec<u8> = st
        .f_fstypename
        .iter()
        .take_while(|c| **c != 0)
        .map(|c| *c as u8)
        .collect();
    let name = String::from_utf8_lossy(&name).to_string();
    ["nfs", "smbfs", "afpfs", "webdav", "cifs"]
        .contains(&name.as_str())
        .then_some(name)
}

#[cfg(not(unix))]
fn network_filesystem(_dir: &Path) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_filesystems_are_named_by_their_magic_number() {
        for (magic, name) in [
            (0x6969, "NFS"),
            (0x517B, "SMB"),
            (0xFF53_4D42, "CIFS"),
            (0xFE53_4D42, "SMB2"),
            (0x5346_414F, "AFS"),
            (0x00C3_6400, "Ceph"),
            (0x0102_1997, "9P"),
        ] {
            assert_eq!(network_filesystem_name(magic), Some(name), "{magic:#x}");
        }
        // Local filesystems: ext4, xfs, btrfs, tmpfs, overlayfs, zfs.
        for magic in [
            0xEF53,
            0x5846_5342,
            0x9123_683E,
            0x0102_1994,
            0x794C_7630,
            0x2FC1_2FC1,
        ] {
            assert_eq!(network_filesystem_name(magic), None, "{magic:#x}");
        }
    }

    /// The folder the tests run in is local, so the detection must not refuse it.
    #[cfg(unix)]
    #[test]
    fn a_local_folder_is_not_a_network_filesystem() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(network_filesystem(dir.path()), None);
    }

    #[test]
    fn page_sizes_are_read_from_the_header() {
        let mut head = [0u8; 100];
        for (bytes, size) in [
            ([0x10, 0x00], Some(4096)),
            ([0x02, 0x00], Some(512)),
            ([0x80, 0x00], Some(32768)),
            ([0x00, 0x01], Some(65536)),
            ([0x00, 0x00], None),
            ([0x03, 0x00], None),
            ([0x01, 0x00], None),
        ] {
            head[16..18].copy_from_slice(&bytes);
            assert_eq!(page_size(&head), size, "{bytes:?}");
        }
    }
}
