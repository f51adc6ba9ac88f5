#!/usr/bin/env node
// A committed entry point, so installing the workspace links the command before anything is built.
import '../dist/bin.js';
