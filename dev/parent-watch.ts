/**
 * Calls `onGone` once `parent` (the pid of the process that started this one,
 * read when this one started) is no longer its parent. npm does not pass on
 * every signal (SIGHUP, SIGKILL never), and a process whose parent dies is
 * re-parented, so a changed parent pid is the one sign that always comes.
 * Checked once a second; called at once if the parent is gone already.
 */
export function watchParent(parent: number, onGone: () => void, intervalMs = 1000): void {
  if (parent <= 1) return; // started by init itself: there is no parent to lose
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
}
