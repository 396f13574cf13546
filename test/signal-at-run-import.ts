/**
 * Preloaded with `node --import` by a process test: Ctrl-C at a known moment of a run's start, as the run command's
 * module is looked up (the modules it loads then took most of a second, with nothing to catch a signal). The hooks
 * run on their own thread; the signal goes to the process.
 */
import { register } from 'node:module';

register('./signal-at-run-import-hooks.js', import.meta.url);
