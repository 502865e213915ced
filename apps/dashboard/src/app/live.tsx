import {
  createContext,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from 'react';
import type { LiveChange } from '../api/event-stream.js';
import { LiveConnection, type LiveSignal, type LiveStatus } from './live-connection.js';
import { liveMatch } from './live-keys.js';

// The live dashboard: one change stream per tab (for the project shown), shared by every page
// through this context (the app puts it around the signed-in shell, which names the project with
// useLiveProject). Pages do not subscribe themselves: useResource reloads any data whose key a
// change makes stale (live-keys.ts), and an editor asks `useLastChange` who changed what it edits,
// for its "changed underneath" banner.

interface Live {
  readonly connection: LiveConnection | undefined;
  /** Follows this project's changes from now on (the one the tab shows). */
  follow(project: string | undefined): void;
}

/** How long a hidden tab keeps its stream before it pauses it. */
const HIDDEN_GRACE_MS = 30_000;

const LiveContext = createContext<Live | undefined>(undefined);

interface LiveProviderProps {
  token: string;
  onUnauthorized(): void;
  children: ReactNode;
}

/** The tab's change stream, for the project the page below says it shows (useLiveProject). */
export function LiveProvider({ token, onUnauthorized, children }: LiveProviderProps) {
  const unauthorized = useRef(onUnauthorized);
  unauthorized.current = onUnauthorized;
  const [project, setProject] = useState<string>();
  const connection = useMemo(
    () =>
      project === undefined
        ? undefined
        : new LiveConnection({ token, project, onUnauthorized: () => unauthorized.current() }),
    [token, project],
  );
  useEffect(() => {
    if (connection === undefined) return;
    // A hidden tab gives its connection back after a while (browsers hold at most six HTTP/1.1
    // connections per server, for all tabs together) and resumes where it was when shown again.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onVisibility = () => {
      clearTimeout(timer);
      if (document.visibilityState === 'hidden')
        timer = setTimeout(() => connection.pause(), HIDDEN_GRACE_MS);
      else connection.start();
    };
    connection.start();
    onVisibility();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
      connection.stop();
    };
  }, [connection]);
  const live = useMemo(() => ({ connection, follow: setProject }), [connection]);
  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>;
}

/** Says which project the tab shows: its changes are the ones followed. */
export function useLiveProject(project: string | undefined): void {
  const live = useContext(LiveContext);
  useEffect(() => live?.follow(project), [live, project]);
}

function useConnection(): LiveConnection | undefined {
  return useContext(LiveContext)?.connection;
}

const noWatch = () => () => undefined;

/** The stream's state: connecting, live, reconnecting or offline (none when signed out). */
export function useLiveStatus(): LiveStatus | undefined {
  const connection = useConnection();
  return useSyncExternalStore(
    connection === undefined ? noWatch : (w) => connection.watch(w),
    () => connection?.status,
  );
}

/** Calls `handler` with every change and reset while mounted (the latest handler). */
export function useLiveSignal(handler: (signal: LiveSignal) => void): void {
  const connection = useConnection();
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => connection?.subscribe((signal) => latest.current(signal)), [connection]);
}

/** The newest change (since this tab connected) that matches; re-rendered as changes come. */
export function useLastChange(match: (change: LiveChange) => boolean): LiveChange | undefined {
  const connection = useConnection();
  useSyncExternalStore(
    connection === undefined ? noWatch : (w) => connection.watch(w),
    () => connection?.changeCount ?? 0,
  );
  return connection?.lastChange(match);
}

/** A burst of changes (an import, a script) reloads once, this long after the last of them. */
const SETTLE_MS = 150;

/** Reloads the data loaded under `key` when a change makes it stale, or on a reset. */
export function useLiveReload(key: string, reload: () => void): void {
  const match = useMemo(() => liveMatch(key), [key]);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), [key]);
  useLiveSignal((signal) => {
    if (match === undefined) return;
    if (signal.type === 'change' && !match(signal.change)) return;
    clearTimeout(timer.current);
    timer.current = setTimeout(reload, SETTLE_MS);
  });
}

const STATUS_TEXT: Record<LiveStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  paused: 'Paused',
  offline: 'Offline',
};

/** In the header: whether what is shown follows changes as they happen. */
export function LiveIndicator() {
  const status = useLiveStatus();
  if (status === undefined) return null;
  return (
    <span
      className={`live-indicator live-${status}`}
      role="status"
      title={
        status === 'live'
          ? 'Changes made anywhere show here as they are saved'
          : 'Changes made elsewhere show once the connection is back'
      }
    >
      <span className="live-dot" aria-hidden="true" /> {STATUS_TEXT[status]}
    </span>
  );
}
