// Sign FILE with sigstore-js and print the bundle JSON on stdout. Two entry points
// (sigstore-clients.md §1.2):
//
//   node sign.mjs --fulcio URL [--rekor URL] [--tsa URL] [--no-tlog] [--attest TYPE] FILE
//       `sigstore.sign` (or `sigstore.attest` with --attest PAYLOAD_TYPE) with explicit
//       services: Rekor v1 only.
//   node sign.mjs --signing-config PATH [--attest TYPE] FILE
//       `bundleBuilderFromSigningConfig` (@sigstore/sign) with the SigningConfig of PATH (a
//       SigningConfig or a ClientTrustConfig): the services it picks, Rekor v2 included.
//
// The identity token comes from $SIGSTORE_ID_TOKEN (never from argv, so it stays out of
// process listings). On failure: {"error": {"name", "code", "message"}} on stdout, exit 1.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { bundleToJSON } from '@sigstore/bundle';
import { SigningConfig } from '@sigstore/protobuf-specs';
import { bundleBuilderFromSigningConfig } from '@sigstore/sign';
import * as sigstore from 'sigstore';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    fulcio: { type: 'string' },
    rekor: { type: 'string' },
    tsa: { type: 'string' },
    'no-tlog': { type: 'boolean', default: false },
    attest: { type: 'string' },
    'signing-config': { type: 'string' },
  },
});

if (positionals.length !== 1 || !(values.fulcio || values['signing-config'])) {
  console.error(
    'usage: node sign.mjs (--fulcio URL [--rekor URL] [--tsa URL] [--no-tlog] | --signing-config PATH) [--attest TYPE] FILE',
  );
  process.exit(2);
}

const token = process.env.SIGSTORE_ID_TOKEN;

// With explicit services: the `sigstore` package's own API.
async function signWithOptions(payload) {
  const options = {
    fulcioURL: values.fulcio,
    rekorURL: values.rekor,
    tsaServerURL: values.tsa,
    tlogUpload: !values['no-tlog'],
    identityToken: token,
    timeout: 30000,
  };
  return values.attest
    ? sigstore.attest(payload, values.attest, options)
    : sigstore.sign(payload, options);
}

// With a SigningConfig: @sigstore/sign's builder, as the sigstore-js conformance client does.
async function signWithSigningConfig(payload) {
  const document = JSON.parse(readFileSync(values['signing-config'], 'utf8'));
  const signingConfig = SigningConfig.fromJSON(document.signingConfig ?? document);
  const builder = bundleBuilderFromSigningConfig({
    signingConfig,
    identityProvider: { getToken: () => Promise.resolve(token) },
    bundleType: values.attest ? 'dsseEnvelope' : 'messageSignature',
    fetchOptions: { timeout: 30000, retry: { retries: 2 } },
  });
  return bundleToJSON(await builder.create({ data: payload, type: values.attest }));
}

try {
  const payload = readFileSync(positionals[0]);
  const bundle = values['signing-config']
    ? await signWithSigningConfig(payload)
    : await signWithOptions(payload);
  console.log(JSON.stringify(bundle));
} catch (err) {
  const cause = err.cause ? `: ${err.cause.message ?? err.cause}` : '';
  console.log(JSON.stringify({ error: { name: err.name, code: err.code, message: `${err.message}${cause}` } }));
  process.exit(1);
}
