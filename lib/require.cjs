// fluxion is an ES module package (it uses top-level await to start its backend).
// This file answers `require('fluxion')` with a clear message instead of
// Node's generic ERR_REQUIRE_ESM.
'use strict';
const err = new Error(
  "fluxion is ESM-only: load it with `import * as fx from 'fluxion'` (or `await import('fluxion')` from CommonJS). " +
    'In TypeScript, use "module": "nodenext" (or "node16"/"bundler") and "type": "module" in package.json.',
);
err.code = 'ERR_FLUXION_ESM_ONLY';
throw err;
