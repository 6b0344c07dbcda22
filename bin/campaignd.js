#!/usr/bin/env node
// The `campaignd` command; `npm install` builds dist/ (the package's prepare script).
import '../dist/cli/index.js';
