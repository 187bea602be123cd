import * as z from 'zod';

// zod compiles an object schema's parser with `new Function` on its first parse (its JIT): code V8 caches nowhere,
// compiled again on every run of a one-shot command, for schemas a diagnosis parses once or twice. Jitless parsing is the
// same rules without that (zod's documented switch). zod reads it when a schema is built, so this module is imported
// first by the commands that want it: ES modules are evaluated in import order, before the modules that build schemas.
// (A static import, not `(await import('zod')).config`: a dynamic import makes the bundle build zod's whole namespace.)
z.config({ jitless: true });
