//! Noticing that the terminal went away — SIGHUP, SIGTERM, or a tty at end of file — and
//! leaving within a second with the open form's input kept as a draft, never spinning.
//!
//! crossterm's reader loops forever on a tty at end of file, so the loop asks the tty itself
//! (`stdin_ready`) before calling into crossterm, and a watchdog thread ends the process if
//! the loop is stuck anyway, saving the last snapshot of the form.

use crate::store::Store;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the watchdog needs to save a draft without the main thread.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub db: PathBuf,
    pub actor: String,
    pub form: String,
    pub record_id: Option<String>,
    pub fields: String,
}

#[derive(Clone, Default)]
pub struct Watch {
    pub gone: Arc<AtomicBool>,
    pub snapshot: Arc<Mutex<Option<Snapshot>>>,
}

/// The main loop has this long to save and leave before the watchdog does it.
const GRACE: Duration = Duration::from_millis(400);

impl Watch {
    pub fn is_gone(&self) -> bool {
        self.gone.load(Ordering::Relaxed)
    }

    pub fn set_snapshot(&self, s: Option<Snapshot>) {
        if let Ok(mut guard) = self.snapshot.lock() {
            *guard = s;
        }
    }

    /// Starts the watchdog thread: it turns SIGHUP/SIGTERM or a hung-up tty into `gone`, and
    /// if the process is still here after `GRACE`, saves the snapshot and exits.
    pub fn start(&self) -> std::io::Result<()> {
        use signal_hook::consts::{SIGHUP, SIGTERM};
        let mut signals = signal_hook::iterator::Signals::new([SIGHUP, SIGTERM])?;
        let watch = self.clone();
        std::thread::Builder::new()
            .name("hangup-watch".into())
            .spawn(move || {
                loop {
                    let signalled = signals.pending().next().is_some();
                    if signalled || tty_hung_up() {
                        watch.gone.store(true, Ordering::Relaxed);
                        let since = Instant::now();
                        while since.elapsed() < GRACE {
                            std::thread::sleep(Duration::from_millis(50));
                        }
                        watch.save_and_exit();
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            })?;
        Ok(())
    }

    fn save_and_exit(&self) -> ! {
        let snap = self.snapshot.lock().ok().and_then(|g| g.clone());
        if let Some(s) = snap
            && let Ok(mut store) = Store::open(&s.db, &s.actor)
        {
            let _ = store.save_draft(&s.form, s.record_id.as_deref(), &s.fields);
        }
        super::leave_terminal();
        std::process::exit(0)
    }
}

/// Whether the controlling tty (stdin) reports a hang-up. Does not read anything.
#[cfg(unix)]
fn tty_hung_up() -> bool {
    let mut fd = libc::pollfd {
        fd: libc::STDIN_FILENO,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd, zero timeout.
    let r = unsafe { libc::poll(&mut fd, 1, 0) };
    r > 0 && fd.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
}

#[cfg(not(unix))]
fn tty_hung_up() -> bool {
    false
}

/// What waiting on the terminal found.
#[derive(Debug, PartialEq, Eq)]
pub enum Ready {
    /// Bytes to read, or a signal (a resize) that crossterm will report.
    Input,
    Timeout,
    /// Hung up or at end of file: do not call into crossterm again.
    Gone,
}

/// Waits up to `timeout` for the tty, without reading it.
#[cfg(unix)]
pub fn stdin_ready(timeout: Duration) -> Ready {
    let mut fd = libc::pollfd {
        fd: libc::STDIN_FILENO,
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
    // SAFETY: one valid pollfd.
    let r = unsafe { libc::poll(&mut fd, 1, ms) };
    if r < 0 {
        // Interrupted by a signal: a resize comes through crossterm's own pipe.
        return if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            Ready::Input
        } else {
            Ready::Gone
        };
    }
    if r == 0 {
        return Ready::Timeout;
    }
    if fd.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
        return Ready::Gone;
    }
    // Readable with nothing to read is end of file.
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one c_int.
    if unsafe { libc::ioctl(libc::STDIN_FILENO, libc::FIONREAD, &mut n) } == 0 && n == 0 {
        return Ready::Gone;
    }
    Ready::Input
}

#[cfg(not(unix))]
pub fn stdin_ready(timeout: Duration) -> Ready {
    match ratatui::crossterm::event::poll(timeout) {
        Ok(true) => Ready::Input,
        Ok(false) => Ready::Timeout,
        Err(_) => Ready::Gone,
    }
}
