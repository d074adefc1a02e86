// Sign FILE with sigstore-js (`sigstore.sign`, or `sigstore.attest` with --attest TYPE)
// against explicit services; print the bundle JSON on stdout.
//
//   node sign.mjs --fulcio URL --rekor URL [--tsa URL] [--no-tlog] [--attest PAYLOAD_TYPE] FILE
//
// The identity token comes from $SIGSTORE_ID_TOKEN (never from argv, so it stays out of
// process listings). On failure: {"error": {"name", "code", "message"}} on stdout, exit 1.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as sigstore from 'sigstore';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    fulcio: { type: 'string' },
    rekor: { type: 'string' },
    tsa: { type: 'string' },
    'no-tlog': { type: 'boolean', default: false },
    attest: { type: 'string' },
  },
});

if (positionals.length !== 1 || !values.fulcio) {
  console.error('usage: node sign.mjs --fulcio URL [--rekor URL] [--tsa URL] [--no-tlog] [--attest TYPE] FILE');
  process.exit(2);
}

const options = {
  fulcioURL: values.fulcio,
  rekorURL: values.rekor,
  tsaServerURL: values.tsa,
  tlogUpload: !values['no-tlog'],
  identityToken: process.env.SIGSTORE_ID_TOKEN,
  timeout: 30000,
};

try {
  const payload = readFileSync(positionals[0]);
  const bundle = values.attest
    ? await sigstore.attest(payload, values.attest, options)
    : await sigstore.sign(payload, options);
  console.log(JSON.stringify(bundle));
} catch (err) {
  const cause = err.cause ? `: ${err.cause.message ?? err.cause}` : '';
  console.log(JSON.stringify({ error: { name: err.name, code: err.code, message: `${err.message}${cause}` } }));
  process.exit(1);
}
