// Verify a bundle with sigstore-js (`sigstore.verify`), trusting the root that sigstore-js's
// own TUF client fetches from --tuf-mirror, starting from --tuf-root (our tuf/root.json).
//
//   node verify.mjs --bundle B [--file F] --tuf-mirror URL --tuf-root PATH --tuf-cache DIR
//                   [--identity REGEX] [--issuer ISSUER]
//
// Message-signature bundles need --file; DSSE bundles are verified without it. Prints
// {"ok": true, "identity", "issuer"} or {"ok": false, "name", "code", "message"}; exit 0/1.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as sigstore from 'sigstore';

const { values } = parseArgs({
  options: {
    bundle: { type: 'string' },
    file: { type: 'string' },
    'tuf-mirror': { type: 'string' },
    'tuf-root': { type: 'string' },
    'tuf-cache': { type: 'string' },
    identity: { type: 'string' },
    issuer: { type: 'string' },
  },
});

if (!values.bundle || !values['tuf-mirror'] || !values['tuf-root'] || !values['tuf-cache']) {
  console.error('usage: node verify.mjs --bundle B [--file F] --tuf-mirror URL --tuf-root PATH --tuf-cache DIR [--identity RE] [--issuer ISS]');
  process.exit(2);
}

const options = {
  tufMirrorURL: values['tuf-mirror'],
  tufRootPath: values['tuf-root'],
  tufCachePath: values['tuf-cache'],
  certificateIdentityEmail: values.identity,
  certificateIssuer: values.issuer,
  timeout: 30000,
};

try {
  const bundle = JSON.parse(readFileSync(values.bundle, 'utf8'));
  const signer = values.file
    ? await sigstore.verify(bundle, readFileSync(values.file), options)
    : await sigstore.verify(bundle, options);
  const identity = signer.identity ?? {};
  console.log(JSON.stringify({
    ok: true,
    identity: identity.subjectAlternativeName,
    issuer: identity.extensions?.issuer,
  }));
} catch (err) {
  const cause = err.cause ? `: ${err.cause.message ?? err.cause}` : '';
  console.log(JSON.stringify({ ok: false, name: err.name, code: err.code, message: `${err.message}${cause}` }));
  process.exit(1);
}
