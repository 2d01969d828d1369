/**
 * Calls `onGone` once the process that started this one has exited. npm does
 * not pass on every signal (SIGHUP, SIGKILL never), and a process whose parent
 * dies is re-parented, so a changed parent pid is the one sign that always
 * comes. Checked once a second.
 */
export function watchParent(onGone: () => void, intervalMs = 1000): void {
  const parent = process.ppid;
  if (parent <= 1) return; // started by init itself: there is no parent to lose
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
}
