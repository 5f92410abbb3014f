//! The all-or-nothing commit of a run's outputs into `--out`.
//!
//! Every file is first written into a staging folder beside the target
//! (`.<out>.tmp-<pid>`). [`Staging::commit`] then moves them in with a two-phase rename:
//!
//! 1. a journal `.<out>.journal-<pid>` lists the files being written and the stale outputs of
//!    the same command being removed; it is fsynced before anything in `--out` is touched;
//! 2. the old versions of those files move into a backup folder `.<out>.bak-<pid>`;
//! 3. the new files move in from the staging folder;
//! 4. the journal is marked `committed` (fsynced): from here on the new set stands;
//! 5. the backup, the staging folder and the journal are removed.
//!
//! A failure before step 4 rolls everything back in place, so `--out` holds exactly its old
//! files; a failure after it leaves only the backup to remove. A process killed anywhere leaves
//! its journal: the next run on the same `--out` ([`Staging::new`]) finds the journals, staging
//! and backup folders of processes that are no longer alive and rolls them back (before the
//! mark) or forward (after it), then removes them. Files in `--out` that the command does not
//! write are never moved or removed.

use super::finite::{is_json, JsonNumbers};
use crate::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// First line of a journal.
const JOURNAL_HEADER: &str = "carecircle commit journal 1";
/// Last line of a complete list (renames start only after it is on disk).
const JOURNAL_READY: &str = "ready";
/// Line appended once every new file is in place.
const JOURNAL_COMMITTED: &str = "committed";

/// The three sibling entries a run keeps beside `--out`: `.<name>.<what>-<pid>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sibling {
    Staging,
    Backup,
    Journal,
}

impl Sibling {
    const ALL: [Sibling; 3] = [Sibling::Staging, Sibling::Backup, Sibling::Journal];

    fn tag(self) -> &'static str {
        match self {
            Sibling::Staging => "tmp",
            Sibling::Backup => "bak",
            Sibling::Journal => "journal",
        }
    }
}

/// Where `--out` and its siblings live.
#[derive(Debug, Clone)]
struct Place {
    /// The output folder.
    out: PathBuf,
    /// Its parent (`.` for a bare name).
    parent: PathBuf,
    /// Its file name (`out` when it has none, e.g. `.`).
    name: String,
}

impl Place {
    fn new(out: &Path) -> Place {
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        Place {
            out: out.to_owned(),
            parent,
            name,
        }
    }

    fn sibling(&self, what: Sibling, pid: u32) -> PathBuf {
        self.parent
            .join(format!(".{}.{}-{pid}", self.name, what.tag()))
    }

    /// The process ids of the siblings beside `--out` other than this process's own.
    fn other_pids(&self) -> std::io::Result<Vec<u32>> {
        let mut pids = Vec::new();
        if !self.parent.is_dir() {
            return Ok(pids);
        }
        let prefix = format!(".{}.", self.name);
        for e in std::fs::read_dir(&self.parent)? {
            let file = e?.file_name();
            let Some(rest) = file.to_str().and_then(|f| f.strip_prefix(&prefix)) else {
                continue;
            };
            for what in Sibling::ALL {
                let pid = rest
                    .strip_prefix(what.tag())
                    .and_then(|r| r.strip_prefix('-'))
                    .and_then(|p| p.parse::<u32>().ok());
                if let Some(pid) = pid {
                    if pid != std::process::id() && !pids.contains(&pid) {
                        pids.push(pid);
                    }
                }
            }
        }
        pids.sort_unstable();
        Ok(pids)
    }

    /// Rolls back or forward what the dead process `pid` left, then removes its siblings.
    fn recover(&self, pid: u32) -> std::io::Result<()> {
        let journal = self.sibling(Sibling::Journal, pid);
        let tmp = self.sibling(Sibling::Staging, pid);
        let bak = self.sibling(Sibling::Backup, pid);
        if journal.exists() {
            match Journal::read(&journal)? {
                Some(j) if !j.committed => j.roll_back(&self.out, &tmp, &bak)?,
                // Committed (the new set stands) or torn while being written (nothing in
                // `--out` was touched yet): only the siblings go.
                _ => {}
            }
        }
        remove_dir_if_present(&bak)?;
        remove_dir_if_present(&tmp)?;
        remove_file_if_present(&journal)
    }
}

/// The journal of one commit: what moves, and whether the new set already stands.
#[derive(Debug, Clone, Default, PartialEq)]
struct Journal {
    /// Files moving in from the staging folder.
    new: Vec<String>,
    /// Files of `--out` moving into the backup folder (old versions of `new` and stale outputs).
    old: Vec<String>,
    /// `--out` did not exist before the commit (a rollback removes it again when empty).
    made_out: bool,
    /// Every new file is in place.
    committed: bool,
}

impl Journal {
    fn text(&self) -> String {
        let mut t = format!("{JOURNAL_HEADER}\n");
        if self.made_out {
            t.push_str("made_out\n");
        }
        for n in &self.new {
            t.push_str(&format!("new {n}\n"));
        }
        for n in &self.old {
            t.push_str(&format!("old {n}\n"));
        }
        t.push_str(JOURNAL_READY);
        t.push('\n');
        t
    }

    /// The journal at `path`; `None` when it is torn (its list was never completed, so
    /// nothing was moved).
    fn read(path: &Path) -> std::io::Result<Option<Journal>> {
        let text = std::fs::read_to_string(path)?;
        let mut lines = text.lines();
        if lines.next() != Some(JOURNAL_HEADER) {
            return Ok(None);
        }
        let mut j = Journal::default();
        let mut ready = false;
        for l in lines {
            match l {
                "made_out" => j.made_out = true,
                JOURNAL_READY => ready = true,
                JOURNAL_COMMITTED if ready => j.committed = true,
                _ => match (l.split_once(' '), ready) {
                    (Some(("new", n)), false) if plain_name(n) => j.new.push(n.to_owned()),
                    (Some(("old", n)), false) if plain_name(n) => j.old.push(n.to_owned()),
                    _ => return Ok(None),
                },
            }
        }
        Ok(ready.then_some(j))
    }

    /// Puts `--out` back as it was: new files that moved in go back to the staging folder
    /// (so a rollback interrupted and run again never mistakes an old file for a new one),
    /// then the backed-up files return.
    fn roll_back(&self, out: &Path, tmp: &Path, bak: &Path) -> std::io::Result<()> {
        for n in &self.new {
            let (dst, src) = (out.join(n), tmp.join(n));
            if dst.exists() && !src.exists() {
                std::fs::create_dir_all(tmp)?;
                std::fs::rename(&dst, &src)?;
            }
        }
        for n in &self.old {
            let b = bak.join(n);
            if b.exists() {
                std::fs::rename(&b, out.join(n))?;
            }
        }
        if self.made_out && out.is_dir() && std::fs::read_dir(out)?.next().is_none() {
            std::fs::remove_dir(out)?;
        }
        sync_dir(out);
        Ok(())
    }
}

/// A file name without separators or line breaks (anything else in a journal is refused).
fn plain_name(n: &str) -> bool {
    !n.is_empty() && n != "." && n != ".." && !n.contains(['/', '\\', '\n', '\r'])
}

fn remove_dir_if_present(p: &Path) -> std::io::Result<()> {
    match std::fs::remove_dir_all(p) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

fn remove_file_if_present(p: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(p) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Makes a folder's entries (renames into and out of it) durable, where the system allows it.
fn sync_dir(p: &Path) {
    if let Ok(d) = std::fs::File::open(p) {
        let _ = d.sync_all();
    }
}

/// True while process `pid` runs (a zombie counts as dead). Outside Linux every process is
/// taken to be alive, so siblings are never touched there.
fn alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            // The state follows the parenthesised command name, which may hold spaces.
            Ok(stat) => stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .is_none_or(|state| state != "Z" && state != "X"),
            Err(_) => false,
        }
    } else {
        true
    }
}

/// Test seam for the commit steps (debug builds only): `CARECIRCLE_FAIL_COMMIT_AT=N` makes
/// step N fail with an injected I/O error; `CARECIRCLE_PAUSE_COMMIT_AT=N` stops for five
/// minutes before step N, after creating the file named by `CARECIRCLE_PAUSE_FLAG` (so a test
/// knows when to kill the process). Release builds compile it to nothing.
fn step_hook(step: usize) -> std::io::Result<()> {
    if cfg!(debug_assertions) {
        let at = |var: &str| {
            std::env::var(var)
                .ok()
                .and_then(|v| v.parse::<usize>().ok())
        };
        if at("CARECIRCLE_PAUSE_COMMIT_AT") == Some(step) {
            if let Ok(flag) = std::env::var("CARECIRCLE_PAUSE_FLAG") {
                std::fs::write(flag, step.to_string())?;
            }
            std::thread::sleep(std::time::Duration::from_secs(300));
        }
        if at("CARECIRCLE_FAIL_COMMIT_AT") == Some(step) {
            return Err(std::io::Error::other(format!(
                "failure injected at commit step {step}"
            )));
        }
    }
    Ok(())
}

/// A staging folder that becomes part of the output folder on [`Staging::commit`].
pub struct Staging {
    place: Place,
    tmp: PathBuf,
    written: Vec<String>,
    committed: bool,
}

impl Staging {
    /// Recovers what dead processes left beside `out` (see the module docs), then creates
    /// `.<name>.tmp-<pid>` beside it.
    pub fn new(out: &Path) -> Result<Staging> {
        let place = Place::new(out);
        let fail = |p: &Path, e: std::io::Error| Error::Output {
            path: p.to_owned(),
            reason: e.to_string(),
        };
        for pid in place.other_pids().map_err(|e| fail(&place.parent, e))? {
            if !alive(pid) {
                place.recover(pid).map_err(|e| Error::Output {
                    path: place.out.clone(),
                    reason: format!(
                        "cannot recover the unfinished commit of process {pid} \
                         ({}): {e}",
                        place.sibling(Sibling::Journal, pid).display()
                    ),
                })?;
            }
        }
        let tmp = place.sibling(Sibling::Staging, std::process::id());
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|e| fail(&tmp, e))?;
        }
        std::fs::create_dir_all(&tmp).map_err(|e| fail(&tmp, e))?;
        Ok(Staging {
            place,
            tmp,
            written: Vec::new(),
            committed: false,
        })
    }

    /// Writes one file into the staging folder.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        if is_json(name) {
            let text = std::str::from_utf8(bytes).map_err(|e| Error::Output {
                path: self.place.out.join(name),
                reason: e.to_string(),
            })?;
            JsonNumbers::default()
                .feed(text)
                .map_err(|reason| Error::Output {
                    path: self.place.out.join(name),
                    reason,
                })?;
        }
        let p = self.tmp.join(name);
        std::fs::write(&p, bytes).map_err(|e| Error::Output {
            path: self.place.out.join(name),
            reason: e.to_string(),
        })?;
        self.written.push(name.to_owned());
        Ok(())
    }

    /// Writes one file from text pieces, in order.
    pub fn write_parts(&mut self, name: &str, parts: &[String]) -> Result<()> {
        self.write_many(&[(name, parts)])
    }

    /// Writes several files from text pieces at once (one thread each: the large GeoJSON
    /// layers are tens of megabytes); they are registered in the order given.
    pub fn write_many(&mut self, files: &[(&str, &[String])]) -> Result<()> {
        use rayon::prelude::*;
        files
            .par_iter()
            .try_for_each(|&(name, parts)| self.write_unregistered(name, parts))?;
        for (name, _) in files {
            self.register(name);
        }
        Ok(())
    }

    /// Writes a file from text pieces without registering it, so it can run beside other
    /// work; [`Staging::register`] it afterwards, or it is not moved into the output folder.
    pub fn write_unregistered(&self, name: &str, parts: &[String]) -> Result<()> {
        self.write_unregistered_with(name, |sink| parts.iter().try_for_each(|p| sink(p)))
    }

    /// [`Staging::write_unregistered`] with the text produced by `fill`, piece by piece.
    pub fn write_unregistered_with(
        &self,
        name: &str,
        fill: impl FnOnce(&mut dyn FnMut(&str) -> Result<()>) -> Result<()>,
    ) -> Result<()> {
        let fail = |e: std::io::Error| Error::Output {
            path: self.place.out.join(name),
            reason: e.to_string(),
        };
        let f = std::fs::File::create(self.tmp.join(name)).map_err(fail)?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
        let mut numbers = is_json(name).then(JsonNumbers::default);
        fill(&mut |text: &str| {
            if let Some(n) = &mut numbers {
                n.feed(text).map_err(|reason| Error::Output {
                    path: self.place.out.join(name),
                    reason,
                })?;
            }
            w.write_all(text.as_bytes()).map_err(fail)
        })?;
        w.flush().map_err(fail)
    }

    /// Registers a file written by [`Staging::write_unregistered`].
    pub fn register(&mut self, name: &str) {
        self.written.push(name.to_owned());
    }

    /// Moves every written file into the output folder and removes stale outputs of the same
    /// command (`known`) that this run did not write, all or nothing (see the module docs).
    /// Other files in the output folder are left alone.
    pub fn commit(mut self, known: &[&str]) -> Result<Vec<PathBuf>> {
        let out = self.place.out.clone();
        let made_out = !out.is_dir();
        // The old versions of the files written, and stale outputs of the command.
        let mut old: Vec<String> = Vec::new();
        for n in self
            .written
            .iter()
            .map(String::as_str)
            .chain(known.iter().copied())
        {
            if out.join(n).exists() && !old.iter().any(|o| o == n) {
                old.push(n.to_owned());
            }
        }
        let journal = Journal {
            new: self.written.clone(),
            old,
            made_out,
            committed: false,
        };
        let pid = std::process::id();
        let jpath = self.place.sibling(Sibling::Journal, pid);
        let bak = self.place.sibling(Sibling::Backup, pid);
        let mut step = 0;
        let mut next = || {
            step += 1;
            step_hook(step)
        };
        let moved = (|| -> std::io::Result<()> {
            next()?;
            let mut f = std::fs::File::create(&jpath)?;
            f.write_all(journal.text().as_bytes())?;
            f.sync_all()?;
            sync_dir(&self.place.parent);
            next()?;
            std::fs::create_dir_all(&out)?;
            std::fs::create_dir(&bak)?;
            for n in &journal.old {
                next()?;
                std::fs::rename(out.join(n), bak.join(n))?;
            }
            for n in &journal.new {
                next()?;
                std::fs::rename(self.tmp.join(n), out.join(n))?;
            }
            sync_dir(&out);
            sync_dir(&self.place.parent);
            next()?;
            let mut f = std::fs::OpenOptions::new().append(true).open(&jpath)?;
            f.write_all(format!("{JOURNAL_COMMITTED}\n").as_bytes())?;
            f.sync_all()
        })();
        if let Err(e) = moved {
            // Put the old set back; when even that fails, the journal stays for the next run.
            let back = journal
                .roll_back(&out, &self.tmp, &bak)
                .and_then(|()| remove_dir_if_present(&bak))
                .and_then(|()| remove_file_if_present(&jpath));
            let reason = match back {
                Ok(()) => format!("{e} (the folder was left as it was)"),
                Err(b) => format!(
                    "{e}; restoring the old files failed too ({b}): the next run on this \
                     folder finishes restoring them from {}",
                    bak.display()
                ),
            };
            return Err(Error::Output { path: out, reason });
        }
        self.committed = true;
        // The new set stands. Leftovers of a failure here are removed by the next run.
        let _ = next()
            .and_then(|()| remove_dir_if_present(&bak))
            .and_then(|()| next())
            .and_then(|()| remove_dir_if_present(&self.tmp))
            .and_then(|()| next())
            .and_then(|()| remove_file_if_present(&jpath));
        Ok(journal.new.iter().map(|n| out.join(n)).collect())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_round_trips_and_torn_journals_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j");
        let j = Journal {
            new: vec!["areas.csv".into(), "summary.json".into()],
            old: vec!["cells.csv".into()],
            made_out: true,
            committed: false,
        };
        std::fs::write(&p, j.text()).unwrap();
        assert_eq!(Journal::read(&p).unwrap(), Some(j.clone()));
        std::fs::write(&p, j.text() + "committed\n").unwrap();
        let c = Journal::read(&p).unwrap().unwrap();
        assert!(c.committed);
        // Cut anywhere before `ready`: torn, so nothing was moved.
        let text = j.text();
        for cut in 0..text.len() - JOURNAL_READY.len() - 1 {
            std::fs::write(&p, &text[..cut]).unwrap();
            assert_eq!(Journal::read(&p).unwrap(), None, "cut at {cut}");
        }
        std::fs::write(&p, format!("{JOURNAL_HEADER}\nnew ../x\nready\n")).unwrap();
        assert_eq!(Journal::read(&p).unwrap(), None, "paths are refused");
    }

    /// The JSON gate of the staging folder: a non-finite token in a `.json`/`.geojson` file,
    /// written whole or piece by piece, is refused with the file and the value's path.
    #[test]
    fn staging_refuses_non_finite_json() {
        let dir = tempfile::tempdir().unwrap();
        let mut st = Staging::new(&dir.path().join("out")).unwrap();
        st.write("a.geojson", br#"{"features":[{"x":1.5}]}"#)
            .unwrap();
        st.write("notes.md", b"inf NaN").unwrap();
        let e = st
            .write("b.json", br#"{"features":[{"x":1.5},{"x":-inf}]}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("b.json") && e.contains("features[1].x"), "{e}");
        let parts = [r#"{"features":[{"coordinates":[1.0,"#, "NaN]}]}"];
        let e = st
            .write_unregistered_with("c.geojson", |sink| parts.iter().try_for_each(|p| sink(p)))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("c.geojson") && e.contains("features[0].coordinates[1]"),
            "{e}"
        );
    }

    #[test]
    fn siblings_are_found_by_name_and_pid() {
        let dir = tempfile::tempdir().unwrap();
        let place = Place::new(&dir.path().join("out"));
        for n in [
            ".out.tmp-11",
            ".out.bak-12",
            ".out.journal-11",
            ".outx.tmp-13",
            "out",
        ] {
            std::fs::create_dir(dir.path().join(n)).unwrap();
        }
        std::fs::create_dir(place.sibling(Sibling::Staging, std::process::id())).unwrap();
        assert_eq!(place.other_pids().unwrap(), vec![11, 12]);
        assert!(alive(std::process::id()));
    }
}
