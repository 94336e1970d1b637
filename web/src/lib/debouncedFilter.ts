import { useRouter } from "@tanstack/react-router";
import { useCallback, useEffect, useState, useSyncExternalStore } from "react";

interface Timers {
  set: (run: () => void, ms: number) => unknown;
  clear: (handle: unknown) => void;
}

const WINDOW_TIMERS: Timers = {
  set: (run, ms) => globalThis.setTimeout(run, ms),
  clear: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * A typed filter applied once the typing pauses, and never behind the reader's back: a pending
 * change can be applied at once (Enter), held while the pointer is pressed on the list (so the row
 * under it stays where it was until the click is done), and dropped when the reader leaves the list.
 */
export class DebouncedFilter {
  private applied: string;
  private wanted: string;
  private timer: unknown = null;
  private held = false;
  private readonly listeners = new Set<() => void>();

  constructor(
    value: string,
    private readonly wait: number,
    private readonly timers: Timers = WINDOW_TIMERS,
  ) {
    this.applied = value;
    this.wanted = value;
  }

  /** The value the list is filtered by. */
  readonly get = (): string => this.applied;

  /** A change typed and not applied yet. */
  get pending(): boolean {
    return this.wanted !== this.applied;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The field's new text: applied after the pause (at once if it is what is applied already). */
  readonly set = (value: string): void => {
    this.wanted = value;
    this.arm();
  };

  /** Apply what was typed now. */
  readonly flush = (): void => {
    this.stop();
    this.held = false;
    this.apply(this.wanted);
  };

  /** Drop what was typed and not applied (the list was left). */
  readonly cancel = (): void => {
    this.stop();
    this.held = false;
    this.wanted = this.applied;
  };

  /** Keep a pending change from being applied until `release` (a press on the list). */
  readonly hold = (): void => {
    this.held = true;
    this.stop();
  };

  /** The press is over: a change still pending waits a full pause again. */
  readonly release = (): void => {
    if (!this.held) return;
    this.held = false;
    this.arm();
  };

  private arm(): void {
    this.stop();
    if (!this.pending || this.held) return;
    this.timer = this.timers.set(() => {
      this.timer = null;
      this.apply(this.wanted);
    }, this.wait);
  }

  private stop(): void {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
  }

  private apply(value: string): void {
    if (value === this.applied) return;
    this.applied = value;
    for (const listener of this.listeners) listener();
  }
}

/** Whether a navigation takes the reader off the list's page (a filter of the list stays on it). */
export function leavesPage(from: string | undefined, to: string): boolean {
  return from !== undefined && from !== to;
}

/**
 * The list's typed filter (`value`, the field's text) as applied after `wait` ms of no typing.
 * Returns the applied value and the field's helpers: `onKeyDown` applies it at once on Enter, and
 * `listProps` go on the list (a press on it holds a pending change until the click is done). A
 * navigation to another page drops a pending change, so it cannot move the list (or the address)
 * after a row was opened.
 */
export function useDebouncedFilter(value: string, wait: number) {
  const [filter] = useState(() => new DebouncedFilter(value, wait));
  const applied = useSyncExternalStore(filter.subscribe, filter.get, filter.get);
  useEffect(() => filter.set(value), [filter, value]);
  useEffect(() => filter.cancel, [filter]);
  const router = useRouter();
  useEffect(
    () =>
      router.subscribe("onBeforeNavigate", (e) => {
        if (leavesPage(e.fromLocation?.pathname, e.toLocation.pathname)) filter.cancel();
      }),
    [router, filter],
  );
  const onKeyDown = useCallback(
    (e: { key: string }) => {
      if (e.key === "Enter") filter.flush();
    },
    [filter],
  );
  // The click (and the navigation it starts) comes right after the press is released, wherever
  // that is: the pending change waits until then, and is dropped if the click left the page.
  const onPointerDownCapture = useCallback(() => {
    filter.hold();
    const release = () => {
      globalThis.removeEventListener("pointerup", release, true);
      globalThis.removeEventListener("pointercancel", release, true);
      globalThis.setTimeout(filter.release, 0);
    };
    globalThis.addEventListener("pointerup", release, true);
    globalThis.addEventListener("pointercancel", release, true);
  }, [filter]);
  const listProps = { onPointerDownCapture };
  return { applied, flush: filter.flush, cancel: filter.cancel, onKeyDown, listProps };
}
