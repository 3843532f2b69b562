// Web Locks (navigator.locks): one tab of the console at a time may rotate a given key
// (docs/rotation-safety.md §2). Resolves to a function that releases the lock, to null when
// another tab holds it, or to undefined when the browser has no Web Locks.
export function tryLock(name) {
  const locks = globalThis.navigator && globalThis.navigator.locks;
  if (!locks) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    locks
      .request(name, { ifAvailable: true }, (lock) => {
        if (!lock) {
          resolve(null);
          return undefined;
        }
        // Held until `release` is called (or the tab goes away).
        return new Promise((release) => resolve(release));
      })
      .catch(() => resolve(undefined));
  });
}
