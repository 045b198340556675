/** Registers every CLI subcommand (each module adds itself to `commands`). */
import './discover.js';
import './associate.js';
import './demo-command.js';
import './worker.js';
import './check.js';
