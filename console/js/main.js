// The console's entry point: the shell, then the view the address names.

import { start } from './app.js';

window.passerelleStarted = true;
start();
