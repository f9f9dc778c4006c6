//! The one door to the disk. Every read of a file's content goes through [`Door`]: the real path
//! is resolved at read time and must lie inside a workspace folder, only regular files are read
//! (opened without blocking, so a FIFO never hangs a request), and no read takes more than a cap.
//! The file system itself is behind [`FileSystem`], so tests can use an in-memory one.

use std::borrow::Cow;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use thiserror::Error;

/// What is at a path, once symlinks are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file: the only kind ever read.
    File,
    Directory,
    /// A FIFO, socket or device: exists, but is never opened.
    Special,
}

/// Metadata of a real path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    pub kind: EntryKind,
    pub len: u64,
    pub modified: Option<SystemTime>,
}

/// Why a read was refused.
#[derive(Debug, Error)]
pub enum ReadError {
    #[error("{0} is outside the workspace folders: not read")]
    OutsideWorkspace(PathBuf),
    #[error("{0} is not a regular file: not read")]
    NotRegular(PathBuf),
    #[error("{0} already exists: open it, or pass another `path`")]
    AlreadyExists(PathBuf),
    #[error("{0} goes through a symbolic link: pass a path inside a real workspace folder")]
    ThroughSymlink(PathBuf),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl ReadError {
    fn io(path: &Path, source: io::Error) -> Self {
        ReadError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The file system as the door sees it: the real disk, or an in-memory one in tests.
pub trait FileSystem: Send + Sync + std::fmt::Debug {
    /// The path with every symlink resolved.
    fn real_path(&self, path: &Path) -> io::Result<PathBuf>;
    /// Metadata of `real` (already resolved; a symlink found here is reported as special).
    fn stat(&self, real: &Path) -> io::Result<Stat>;
    /// The first `max` bytes of the regular file `real` and its whole length. Refuses without
    /// blocking anything that is not a regular file, including a path swapped for a symlink
    /// since it was resolved.
    fn read_prefix(&self, real: &Path, max: u64) -> Result<(Vec<u8>, u64), ReadError>;
    /// The names in directory `real`.
    fn list_dir(&self, real: &Path) -> io::Result<Vec<String>>;
    /// Whether anything is at `path` itself, a dangling symlink included.
    fn entry_exists(&self, path: &Path) -> bool;
}

/// The real file system.
#[derive(Debug, Default, Clone, Copy)]
pub struct RealDisk;

impl FileSystem for RealDisk {
    fn real_path(&self, path: &Path) -> io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }

    fn stat(&self, real: &Path) -> io::Result<Stat> {
        let meta = std::fs::symlink_metadata(real)?;
        let kind = if meta.is_file() {
            EntryKind::File
        } else if meta.is_dir() {
            EntryKind::Directory
        } else {
            EntryKind::Special
        };
        Ok(Stat {
            kind,
            len: meta.len(),
            modified: meta.modified().ok(),
        })
    }

    fn read_prefix(&self, real: &Path, max: u64) -> Result<(Vec<u8>, u64), ReadError> {
        let file = open_regular(real)?;
        let len = file.metadata().map_err(|e| ReadError::io(real, e))?.len();
        let mut bytes = Vec::with_capacity(len.min(max) as usize);
        file.take(max)
            .read_to_end(&mut bytes)
            .map_err(|e| ReadError::io(real, e))?;
        Ok((bytes, len))
    }

    fn entry_exists(&self, path: &Path) -> bool {
        std::fs::symlink_metadata(path).is_ok()
    }

    fn list_dir(&self, real: &Path) -> io::Result<Vec<String>> {
        Ok(std::fs::read_dir(real)?
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect())
    }
}

/// Opens a regular file without following a final symlink and without blocking (a FIFO opened
/// for reading would otherwise wait for a writer), then checks what was opened.
#[cfg(unix)]
fn open_regular(path: &Path) -> Result<std::fs::File, ReadError> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| ReadError::io(path, e))?;
    let meta = file.metadata().map_err(|e| ReadError::io(path, e))?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(path.to_path_buf()));
    }
    Ok(file)
}

#[cfg(not(unix))]
fn open_regular(path: &Path) -> Result<std::fs::File, ReadError> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| ReadError::io(path, e))?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(path.to_path_buf()));
    }
    std::fs::File::open(path).map_err(|e| ReadError::io(path, e))
}

/// `path` with symlinks resolved, or as given when it does not exist (a workspace folder).
pub fn real_or_given(path: &Path) -> PathBuf {
    RealDisk
        .real_path(path)
        .unwrap_or_else(|_| path.to_path_buf())
}

/// A file the user named explicitly (a settings file, a plan given to `plan-lsp check`): no
/// workspace to confine it to, but the same rules otherwise (regular file, never blocks, capped).
pub fn read_named_file(path: &Path, max: u64) -> Result<Contents, ReadError> {
    let real = RealDisk
        .real_path(path)
        .map_err(|e| ReadError::io(path, e))?;
    let (bytes, len) = RealDisk.read_prefix(&real, max)?;
    Ok(Contents { bytes, len, real })
}

/// What a read returned: at most the cap, and the file's whole length to tell a cut.
#[derive(Debug, Clone)]
pub struct Contents {
    pub bytes: Vec<u8>,
    /// The whole file's length.
    pub len: u64,
    /// Where the bytes came from, symlinks resolved.
    pub real: PathBuf,
}

/// The most bytes of one line an excerpt shows: a minified file is one very long line.
pub const EXCERPT_LINE_BYTES: usize = 400;
/// The most bytes an excerpt shows in all.
pub const EXCERPT_BYTES: usize = 8 * 1024;

/// Some lines of a file, bounded, and what was left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    pub text: String,
    /// What was cut, in words for the reader; `None` when nothing was.
    pub cut: Option<String>,
}

impl Contents {
    /// Whether the file is longer than what was read.
    pub fn is_cut(&self) -> bool {
        (self.bytes.len() as u64) < self.len
    }

    /// Lines `first..=last` (1-based) of what was read, each at most [`EXCERPT_LINE_BYTES`] and
    /// all together at most [`EXCERPT_BYTES`], saying what was left out.
    pub fn excerpt(&self, first: usize, last: usize) -> Excerpt {
        let text = self.text();
        let mut out = String::new();
        let mut cuts = Vec::new();
        let mut shortened = false;
        let wanted = last.saturating_sub(first) + 1;
        let lines = text.lines().skip(first.saturating_sub(1)).take(wanted);
        for (shown, line) in lines.enumerate() {
            let line = if line.len() > EXCERPT_LINE_BYTES {
                shortened = true;
                &line[..floor_char_boundary(line, EXCERPT_LINE_BYTES)]
            } else {
                line
            };
            if out.len() + line.len() + 1 > EXCERPT_BYTES {
                cuts.push(format!(
                    "stopped after {shown} lines at {} KiB",
                    EXCERPT_BYTES / 1024
                ));
                break;
            }
            if shown > 0 {
                out.push('\n');
            }
            out.push_str(line);
        }
        if shortened {
            cuts.push(format!(
                "lines longer than {EXCERPT_LINE_BYTES} bytes shortened"
            ));
        }
        if self.is_cut() {
            cuts.push(format!(
                "only the first {} of {} bytes read (index.maxFileBytes)",
                self.bytes.len(),
                self.len
            ));
        }
        Excerpt {
            text: out,
            cut: (!cuts.is_empty()).then(|| cuts.join("; ")),
        }
    }

    /// The bytes as text (invalid UTF-8 replaced).
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.bytes)
    }
}

/// The largest index `<= at` on a character boundary of `text`.
pub fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut end = at.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    end
}

/// The door for one set of workspace folders: every content read of the server passes here.
#[derive(Clone, Copy)]
pub struct Door<'a> {
    fs: &'a dyn FileSystem,
    roots: &'a [PathBuf],
    max_bytes: u64,
}

impl<'a> Door<'a> {
    /// A door onto `fs` that reads only under `roots` (canonical) and at most `max_bytes` a file.
    pub fn new(fs: &'a dyn FileSystem, roots: &'a [PathBuf], max_bytes: u64) -> Self {
        Door {
            fs,
            roots,
            max_bytes,
        }
    }

    /// The workspace folders reads are confined to.
    pub fn roots(&self) -> &'a [PathBuf] {
        self.roots
    }

    /// The largest read.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// The real path of `path`, resolved now, when it lies inside a workspace folder.
    pub fn contained(&self, path: &Path) -> Result<PathBuf, ReadError> {
        let real = self
            .fs
            .real_path(path)
            .map_err(|e| ReadError::io(path, e))?;
        if self.roots.iter().any(|root| real.starts_with(root)) {
            Ok(real)
        } else {
            Err(ReadError::OutsideWorkspace(path.to_path_buf()))
        }
    }

    /// What is at `path`, when it lies inside a workspace folder.
    pub fn stat(&self, path: &Path) -> Result<(PathBuf, Stat), ReadError> {
        let real = self.contained(path)?;
        let stat = self.fs.stat(&real).map_err(|e| ReadError::io(path, e))?;
        Ok((real, stat))
    }

    /// At most [`Door::max_bytes`] of the regular file at `path`, inside a workspace folder.
    pub fn read(&self, path: &Path) -> Result<Contents, ReadError> {
        let real = self.contained(path)?;
        let (bytes, len) = self.fs.read_prefix(&real, self.max_bytes)?;
        Ok(Contents { bytes, len, real })
    }

    /// The whole text of a file within the cap; a longer file is refused rather than cut, for
    /// readers that need all of it (symbol extraction, drift).
    pub fn read_whole_text(&self, path: &Path) -> Result<String, ReadError> {
        let contents = self.read(path)?;
        if contents.is_cut() {
            return Err(ReadError::io(
                path,
                io::Error::other(format!(
                    "larger than index.maxFileBytes ({} bytes)",
                    self.max_bytes
                )),
            ));
        }
        Ok(String::from_utf8_lossy(&contents.bytes).into_owned())
    }

    /// Where a new file may be created for `wanted`: `.` and `..` removed, inside a workspace
    /// folder, nothing there yet (not even a dangling symlink), and every folder on the way that
    /// exists already a real folder, so the editor cannot write through a link to elsewhere.
    pub fn place_new_file(&self, wanted: &Path) -> Result<PathBuf, ReadError> {
        let path = super::resolve::normalize(wanted);
        let Some(root) = self.roots.iter().find(|r| path.starts_with(r)) else {
            return Err(ReadError::OutsideWorkspace(path));
        };
        if path == *root || path.file_name().is_none() {
            return Err(ReadError::OutsideWorkspace(path));
        }
        if self.fs.entry_exists(&path) {
            return Err(ReadError::AlreadyExists(path));
        }
        let mut folder = path.parent();
        while let Some(dir) = folder {
            if self.fs.entry_exists(dir) {
                let real = self.fs.real_path(dir).map_err(|e| ReadError::io(dir, e))?;
                if real != dir {
                    return Err(ReadError::ThroughSymlink(path));
                }
                break;
            }
            folder = dir.parent();
        }
        Ok(path)
    }

    /// The names in the directory at `path`, inside a workspace folder.
    pub fn list_dir(&self, path: &Path) -> Result<Vec<String>, ReadError> {
        let real = self.contained(path)?;
        self.fs.list_dir(&real).map_err(|e| ReadError::io(path, e))
    }
}

/// An in-memory file system for tests: files, directories, symlinks and FIFOs by absolute path.
#[cfg(test)]
pub mod memory {
    use super::*;
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    #[derive(Debug, Clone)]
    enum Node {
        File(Vec<u8>),
        Special,
        Link(PathBuf),
    }

    /// Paths map to nodes; directories are implied by the files under them.
    #[derive(Debug, Default)]
    pub struct MemoryFs {
        nodes: Mutex<BTreeMap<PathBuf, Node>>,
    }

    impl MemoryFs {
        pub fn file(&self, path: &str, text: &str) {
            self.put(path, Node::File(text.as_bytes().to_vec()));
        }
        pub fn fifo(&self, path: &str) {
            self.put(path, Node::Special);
        }
        pub fn symlink(&self, path: &str, target: &str) {
            self.put(path, Node::Link(PathBuf::from(target)));
        }
        fn put(&self, path: &str, node: Node) {
            self.nodes.lock().unwrap().insert(PathBuf::from(path), node);
        }
        fn node(&self, path: &Path) -> Option<Node> {
            self.nodes.lock().unwrap().get(path).cloned()
        }
        fn is_dir(&self, path: &Path) -> bool {
            let nodes = self.nodes.lock().unwrap();
            nodes.keys().any(|k| k.starts_with(path) && k != path)
        }
    }

    impl FileSystem for MemoryFs {
        fn real_path(&self, path: &Path) -> io::Result<PathBuf> {
            let mut path = crate::workspace::resolve::normalize(path);
            for _ in 0..8 {
                match self.node(&path) {
                    Some(Node::Link(target)) => path = target,
                    Some(_) => return Ok(path),
                    None if self.is_dir(&path) => return Ok(path),
                    None => return Err(io::ErrorKind::NotFound.into()),
                }
            }
            Err(io::Error::other("too many links"))
        }
        fn stat(&self, real: &Path) -> io::Result<Stat> {
            let (kind, len) = match self.node(real) {
                Some(Node::File(bytes)) => (EntryKind::File, bytes.len() as u64),
                Some(_) => (EntryKind::Special, 0),
                None if self.is_dir(real) => (EntryKind::Directory, 0),
                None => return Err(io::ErrorKind::NotFound.into()),
            };
            Ok(Stat {
                kind,
                len,
                modified: None,
            })
        }
        fn read_prefix(&self, real: &Path, max: u64) -> Result<(Vec<u8>, u64), ReadError> {
            match self.node(real) {
                Some(Node::File(bytes)) => {
                    let take = bytes.len().min(max as usize);
                    Ok((bytes[..take].to_vec(), bytes.len() as u64))
                }
                Some(_) => Err(ReadError::NotRegular(real.to_path_buf())),
                None => Err(ReadError::io(real, io::ErrorKind::NotFound.into())),
            }
        }
        fn entry_exists(&self, path: &Path) -> bool {
            self.node(path).is_some() || self.is_dir(path)
        }
        fn list_dir(&self, real: &Path) -> io::Result<Vec<String>> {
            let nodes = self.nodes.lock().unwrap();
            let mut names: Vec<String> = nodes
                .keys()
                .filter_map(|k| k.strip_prefix(real).ok())
                .filter_map(|rest| rest.components().next())
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            names.dedup();
            Ok(names)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::memory::MemoryFs;
    use super::*;

    #[test]
    fn the_door_confines_caps_and_refuses_special_files_in_memory() {
        let fs = MemoryFs::default();
        fs.file("/ws/src/a.rs", "0123456789");
        fs.file("/outside/secret.txt", "private");
        fs.symlink("/ws/src/leak.txt", "/outside/secret.txt");
        fs.fifo("/ws/src/pipe.rs");
        let roots = [PathBuf::from("/ws")];
        let door = Door::new(&fs, &roots, 4);
        let read = door.read(Path::new("/ws/src/a.rs")).unwrap();
        assert_eq!(read.bytes, b"0123");
        assert!(read.is_cut());
        assert!(door.read_whole_text(Path::new("/ws/src/a.rs")).is_err());
        assert!(matches!(
            door.read(Path::new("/ws/src/leak.txt")),
            Err(ReadError::OutsideWorkspace(_))
        ));
        assert!(matches!(
            door.read(Path::new("/ws/src/pipe.rs")),
            Err(ReadError::NotRegular(_))
        ));
        assert_eq!(door.list_dir(Path::new("/ws/src")).unwrap().len(), 3);
    }

    #[cfg(unix)]
    #[test]
    fn new_files_go_only_into_real_workspace_folders() {
        let dir = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(dir.path()).unwrap();
        let (root, outside) = (base.join("ws"), base.join("outside"));
        std::fs::create_dir_all(root.join("docs")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("plans")).unwrap();
        std::os::unix::fs::symlink(outside.join("x.md"), root.join("dangling.md")).unwrap();
        let roots = [root.clone()];
        let door = Door::new(&RealDisk, &roots, 1024);
        let place = |p: &str| door.place_new_file(&root.join(p));
        assert_eq!(place("docs/new/a.md").unwrap(), root.join("docs/new/a.md"));
        assert!(matches!(
            place("plans/1-x.md"),
            Err(ReadError::ThroughSymlink(_))
        ));
        assert!(matches!(
            place("plans/sub/1-x.md"),
            Err(ReadError::ThroughSymlink(_))
        ));
        assert!(matches!(
            place("dangling.md"),
            Err(ReadError::AlreadyExists(_))
        ));
        assert!(matches!(
            place("../outside/a.md"),
            Err(ReadError::OutsideWorkspace(_))
        ));
    }

    #[test]
    fn excerpts_are_bounded_and_say_what_was_cut() {
        let long = "x".repeat(3 * EXCERPT_LINE_BYTES);
        let contents = Contents {
            bytes: format!("a\n{long}\nc\n").into_bytes(),
            len: 1 << 30,
            real: PathBuf::from("/ws/a"),
        };
        let excerpt = contents.excerpt(1, 3);
        assert_eq!(excerpt.text.lines().count(), 3);
        assert_eq!(
            excerpt.text.lines().nth(1).unwrap().len(),
            EXCERPT_LINE_BYTES
        );
        let cut = excerpt.cut.unwrap();
        assert!(
            cut.contains("shortened") && cut.contains("index.maxFileBytes"),
            "{cut}"
        );
        let many: String = (0..10_000).map(|i| format!("line {i}\n")).collect();
        let contents = Contents {
            len: many.len() as u64,
            bytes: many.into_bytes(),
            real: PathBuf::from("/ws/b"),
        };
        let excerpt = contents.excerpt(1, 10_000);
        assert!(excerpt.text.len() <= EXCERPT_BYTES);
        assert!(excerpt.cut.unwrap().contains("stopped after"));
        assert_eq!(
            contents.excerpt(2, 2),
            Excerpt {
                text: "line 1".into(),
                cut: None
            }
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_real_disk_never_blocks_on_a_fifo_nor_follows_a_swapped_link() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let fifo = root.join("pipe");
        let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
        assert!(matches!(
            RealDisk.read_prefix(&fifo, 10),
            Err(ReadError::NotRegular(_))
        ));
        std::fs::write(root.join("target.txt"), "x").unwrap();
        std::os::unix::fs::symlink(root.join("target.txt"), root.join("link")).unwrap();
        // `link` was resolved earlier as a file; now it is a symlink: refused, not followed.
        assert!(RealDisk.read_prefix(&root.join("link"), 10).is_err());
        let big = root.join("big.log");
        std::fs::File::create(&big)
            .unwrap()
            .set_len(400 << 20)
            .unwrap();
        let (bytes, len) = RealDisk.read_prefix(&big, 1024).unwrap();
        assert_eq!((bytes.len(), len), (1024, 400 << 20));
    }
}
