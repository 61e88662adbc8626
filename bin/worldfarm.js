#!/usr/bin/env node
// The CLI is TypeScript run by Node >= 22's type stripping; this file only hands over to it.
await import("../cli/main.ts");
