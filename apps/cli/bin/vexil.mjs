#!/usr/bin/env node
// The `vexil` executable that npm links into node_modules/.bin. It is a committed file, not
// dist/src/main.js itself, because npm links a workspace's bin only if the target exists at
// install time (before the first build on a fresh clone) and tsc writes files without the
// executable bit.
import '../dist/src/main.js';
