//! `smsmerge` running as a child process that a test signals, waits on and reads: its
//! stdout and stderr go to files of the workdir, every wait is for an event (a line in
//! stderr, a condition, the exit) with a generous deadline that only a hung run meets, and
//! the child is killed when dropped, so a failing test leaves no process behind.

use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// No run may take longer; one that does is a failure, not a slow machine.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// A running `smsmerge`.
pub struct Running {
    pub child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
}

/// What a finished run left.
pub struct Done {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Running {
    /// Spawns `command` (from `Workdir::process`), stdin closed, output to files in `wd`.
    pub fn spawn(wd: &super::Workdir, mut command: Command) -> Running {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(1);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let stdout = wd.path(&format!("child-{n}.stdout"));
        let stderr = wd.path(&format!("child-{n}.stderr"));
        let child = command
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout).expect("create the stdout file"))
            .stderr(std::fs::File::create(&stderr).expect("create the stderr file"))
            .spawn()
            .expect("start smsmerge");
        Running {
            child,
            stdout,
            stderr,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Sends a signal (`INT`, `TERM`, `HUP`) with the `kill` command.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} {} failed", self.pid());
    }

    /// Polls until `ready` holds; fails if the run ends first or the deadline passes.
    #[track_caller]
    pub fn wait_for(&mut self, what: &str, mut ready: impl FnMut() -> bool) {
        let started = Instant::now();
        while !ready() {
            if let Some(status) = self.child.try_wait().expect("poll the child") {
                panic!(
                    "smsmerge ended ({status}) before {what}; stderr:\n{}",
                    self.stderr()
                );
            }
            assert!(
                started.elapsed() < DEADLINE,
                "waited {DEADLINE:?} for {what}; stderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Waits until stderr holds `text`.
    #[track_caller]
    pub fn wait_for_line(&mut self, text: &str) {
        let stderr = self.stderr.clone();
        self.wait_for(&format!("{text:?} in stderr"), || {
            std::fs::read_to_string(&stderr).is_ok_and(|s| s.contains(text))
        });
    }

    /// Waits for the end, calling `meanwhile` at every look (to answer a gateway's requests,
    /// say); returns the exit and the output, and how long the wait took.
    #[track_caller]
    pub fn wait_while(mut self, mut meanwhile: impl FnMut()) -> (Done, Duration) {
        let started = Instant::now();
        let status = loop {
            meanwhile();
            if let Some(status) = self.child.try_wait().expect("poll the child") {
                break status;
            }
            if started.elapsed() > DEADLINE {
                let _ = self.child.kill();
                panic!(
                    "smsmerge still ran after {DEADLINE:?}; stderr:\n{}",
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        let took = started.elapsed();
        let done = Done {
            status,
            stdout: std::fs::read_to_string(&self.stdout).unwrap_or_default(),
            stderr: std::fs::read_to_string(&self.stderr).unwrap_or_default(),
        };
        assert!(!done.stderr.contains("panicked"), "{}", done.stderr);
        (done, took)
    }

    /// Waits for the end.
    #[track_caller]
    pub fn wait(self) -> Done {
        self.wait_while(|| {}).0
    }
}

impl Done {
    /// Asserts the exit code, showing the output when it is wrong.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Done {
        assert_eq!(
            self.status.code(),
            Some(code),
            "exit status {}; stdout:\n{}\nstderr:\n{}",
            self.status,
            self.stdout,
            self.stderr
        );
        self
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
