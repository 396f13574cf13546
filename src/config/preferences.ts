import Conf from 'conf';

/** What the app remembers between runs, in the user's config folder (or PCOUNT_CONFIG_DIR, which tests use). */
export interface Preferences {
  /** Absolute path of the last config file that ran. */
  lastConfig: string | null;
  /** Where `e` writes exports when set; else the run's result_output. */
  exportFolder: string | null;
  ui: {
    /** Show the log pane of the selected task when the dashboard opens. */
    showLogPane: boolean;
    /** Refresh period of the dashboard in milliseconds. */
    refreshMs: number;
    /** Show the live picture of the selected task when the dashboard opens. */
    preview: boolean;
    /** Table order: config, id, state, in or fps. */
    sort: string;
  };
}

const DEFAULTS: Preferences = { lastConfig: null, exportFolder: null, ui: { showLogPane: false, refreshMs: 1000, preview: false, sort: 'config' } };

let store: Conf<Preferences> | null = null;

function open(): Conf<Preferences> {
  store ??= new Conf<Preferences>({
    projectName: 'pcount-tui',
    projectSuffix: '',
    defaults: DEFAULTS,
    cwd: process.env.PCOUNT_CONFIG_DIR || undefined,
  });
  return store;
}

export function getPreferences(): Preferences {
  try {
    const s = open();
    return { lastConfig: s.get('lastConfig'), exportFolder: s.get('exportFolder'), ui: { ...DEFAULTS.ui, ...s.get('ui') } };
  } catch {
    // A corrupt or unwritable preferences file must not stop a run; the defaults are a fine fallback.
    return structuredClone(DEFAULTS);
  }
}

export function setPreference<K extends keyof Preferences>(key: K, value: Preferences[K]): void {
  try {
    open().set(key, value);
  } catch {
    // Same reason as above: remembering is a convenience, never a reason to fail.
  }
}
