#!/usr/bin/env node
// Makes cosign-3-style Sigstore bundles and signed images offline, for
// admitd's tests, with sigstore-js (@sigstore/sign builds every bundle,
// @sigstore/verify is the reference verifier). The Fulcio CA, CT log, Rekor
// log and timestamp authority are local keys made by `init`; sigstore-js
// talks to them through nock (@sigstore/mock's Fulcio handler in front of a
// CA with an intermediate, its Rekor v1 handler in front of a small Merkle
// log written here, its timestamp authority), so nothing leaves the process. `attach` pushes a bundle to a registry on
// loopback as an OCI 1.1 referring artifact, as cosign 3 does.
//
//   node sign.mjs init DIR
//   node sign.mjs keyless DIR --identity URI --issuer URL --digest sha256:HEX --out FILE [options]
//   node sign.mjs key DIR --key KEY.pem --digest sha256:HEX --out FILE [--no-tlog] [options]
//   node sign.mjs verify --bundle FILE --digest sha256:HEX (--identity URI --issuer URL | --key PUB.pem)
//                        [--trusted-root FILE] [--predicate-type T]
//   node sign.mjs attach --registry HOST:PORT --repo REPO --digest sha256:HEX --bundle FILE
//                        [--mode auto|referrers|tag] [--lie-artifact-type] [--index-artifact-type T|none]
//                        [--not-a-bundle]
//   node sign.mjs batch COMMAND ARGS... :: COMMAND ARGS... (keyless, key and attach, in one process)
// `node sign.mjs --help` prints every option (usage() below).
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const bundleLib = require('@sigstore/bundle');
const verifyLib = require('@sigstore/verify');
const { TrustedRoot } = require('@sigstore/protobuf-specs');
const subtle = crypto.webcrypto.subtle;

// What only init and signing use, loaded by them: most of a verify's or an
// attach's time would otherwise go to loading it.
let x509, pkijs, nock, mock, sign;
function loadSigning() {
  if (x509) return;
  require('reflect-metadata'); // @peculiar/x509 needs it loaded first
  x509 = require('@peculiar/x509');
  x509.cryptoProvider.set(crypto.webcrypto);
  pkijs = require('pkijs');
  nock = require('nock');
  mock = require('@sigstore/mock');
  sign = require('@sigstore/sign');
}

const FULCIO_URL = 'https://fulcio.admitd.test';
const REKOR_URL = 'https://rekor.admitd.test';
const CTFE_URL = 'https://ctfe.admitd.test';
const TSA_URL = 'https://tsa.admitd.test';
const TRUSTED_ROOT_TYPE = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';
const SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
const INTOTO_PAYLOAD = 'application/vnd.in-toto+json';
const BUNDLE_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
const DAY = 24 * 3600 * 1000;

function usage(code) {
  const text = `usage:
  sign.mjs init DIR
      new test keys in DIR (Fulcio root + intermediate, CT log, Rekor log, a
      timestamp authority, a signing key key.pem/key.pub, a second key
      other.pem/other.pub) and DIR/trusted_root.json naming the CA, the logs
      and the timestamp authority
  sign.mjs keyless DIR --identity URI --issuer URL --digest sha256:HEX --out FILE [options]
  sign.mjs key DIR --key KEY.pem --digest sha256:HEX --out FILE [--no-tlog] [options]
      sign an in-toto Statement v1 whose subject is the digest, as a DSSE
      envelope; write a bundle v0.3. Options:
        --name NAME               the subject's name (default "image")
        --predicate-type T        default ${SIGN_PREDICATE}
        --predicate FILE          predicate JSON (default {})
        --payload-type T          DSSE payloadType (default ${INTOTO_PAYLOAD})
        --entry-type dsse|intoto  the Rekor v1 entry kind (default dsse)
        --no-tlog                 no transparency log entry
        --tsa                     also an RFC 3161 timestamp from the test authority
        --rogue-tsa               the same from an authority outside the trusted root
        --tsa-millis N            the timestamp's time has N milliseconds (default 0: a whole
                                  second; DER drops trailing zeros, so 500 is written .5)
        --leaf-index 0|1|2        the entry's place in the log's tree (default: random, not 0)
        --rogue-ca                keyless: a certificate from a CA outside the trusted root
        --break-proof             flip a byte of the inclusion proof after signing
        --tamper-payload          change the statement after signing
  sign.mjs verify --bundle FILE --digest sha256:HEX (--identity URI --issuer URL | --key PUB.pem)
                  [--trusted-root FILE] [--predicate-type T]
      @sigstore/verify, then the statement's subject digest (and predicate
      type when given); prints "verified" (exit 0) or "not verified: WHY" (exit 1)
  sign.mjs attach --registry HOST:PORT --repo REPO --digest sha256:HEX --bundle FILE [options]
      push the bundle as an OCI 1.1 referring artifact of REPO@DIGEST (plain
      HTTP to loopback). Prints {"manifest","size","bundle","tag"} as JSON.
        --scheme http|https       default http; for https, trust the registry's CA
                                  with NODE_EXTRA_CA_CERTS=FILE
        --user U --password P     HTTP basic authentication
        --mode auto|referrers|tag auto (default): also write the referrers tag
                                  sha256-HEX when the registry has no referrers API;
                                  referrers: never; tag: always
        --lie-artifact-type       the tag index's descriptor says ${OCI_EMPTY}
                                  (the manifest stays right)
        --index-artifact-type T   the descriptor's artifactType is T ("none": absent)
        --not-a-bundle            the manifest and its layer are another type, the
                                  index still says ${BUNDLE_TYPE}
  sign.mjs batch COMMAND ARGS... :: COMMAND ARGS... ...
      keyless, key and attach commands run one after another in one process
`;
  (code ? process.stderr : process.stdout).write(text);
  process.exit(code);
}

// --- arguments --------------------------------------------------------------

const FLAGS = new Set(['--no-tlog', '--tsa', '--rogue-tsa', '--rogue-ca', '--break-proof', '--tamper-payload', '--lie-artifact-type',
  '--not-a-bundle', '--help']);

function parseArgs(argv) {
  const opts = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      opts._.push(a);
    } else if (FLAGS.has(a)) {
      opts[a.slice(2)] = true;
    } else {
      if (i + 1 >= argv.length) fail(`${a} needs a value`, 2);
      opts[a.slice(2)] = argv[++i];
    }
  }
  if (opts.help) usage(0);
  return opts;
}

function need(opts, name) {
  if (opts[name] === undefined) fail(`--${name} is required`, 2);
  return opts[name];
}

function fail(msg, code = 1) {
  process.stderr.write(`sign.mjs: ${msg}\n`);
  process.exit(code);
}

function hexDigest(opts) {
  const d = need(opts, 'digest');
  const m = /^sha256:([0-9a-f]{64})$/.exec(d);
  if (!m) fail(`--digest must be sha256:<64 hex>, not ${d}`, 2);
  return m[1];
}

// --- keys and certificates --------------------------------------------------

const sha256 = (b) => crypto.createHash('sha256').update(b).digest();
const spkiDER = (keyObject) => keyObject.export({ format: 'der', type: 'spki' });

function newKey(curve) {
  return crypto.generateKeyPairSync('ec', { namedCurve: curve });
}

function writeKey(file, pair) {
  fs.writeFileSync(file, pair.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
}

function readKey(file) {
  const privateKey = crypto.createPrivateKey(fs.readFileSync(file));
  return { privateKey, publicKey: crypto.createPublicKey(privateKey) };
}

async function toCryptoKeys(pair) {
  const curve = pair.privateKey.asymmetricKeyDetails.namedCurve === 'secp384r1' ? 'P-384' : 'P-256';
  const alg = { name: 'ECDSA', namedCurve: curve };
  return {
    privateKey: await subtle.importKey('pkcs8', pair.privateKey.export({ format: 'der', type: 'pkcs8' }), alg, true,
      ['sign']),
    publicKey: await subtle.importKey('spki', spkiDER(pair.publicKey), alg, true, ['verify']),
  };
}

const ES384 = { name: 'ECDSA', hash: 'SHA-384' };

// A Fulcio-shaped CA: a self-signed P-384 root and a P-384 intermediate,
// both valid from a day ago for ten years.
async function makeCA(name) {
  const rootPair = newKey('secp384r1');
  const intPair = newKey('secp384r1');
  const rootKeys = await toCryptoKeys(rootPair);
  const intKeys = await toCryptoKeys(intPair);
  const notBefore = new Date(Date.now() - DAY);
  const notAfter = new Date(Date.now() + 3650 * DAY);
  const rootName = `O=${name},CN=${name}`;
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01', name: rootName, notBefore, notAfter, signingAlgorithm: ES384, keys: rootKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  const intermediate = await x509.X509CertificateGenerator.create({
    serialNumber: '02', subject: `O=${name},CN=${name}-intermediate`, issuer: rootName, notBefore, notAfter,
    signingAlgorithm: ES384, publicKey: intKeys.publicKey, signingKey: rootKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.codeSigning]),
      await x509.SubjectKeyIdentifierExtension.create(intKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  return { root, intermediate, rootPair, intPair };
}

function saveCA(dir, ca) {
  fs.writeFileSync(path.join(dir, 'fulcio-root.pem'), ca.root.toString('pem') + '\n');
  fs.writeFileSync(path.join(dir, 'fulcio-intermediate.pem'), ca.intermediate.toString('pem') + '\n');
  writeKey(path.join(dir, 'fulcio-root.key'), ca.rootPair);
  writeKey(path.join(dir, 'fulcio-intermediate.key'), ca.intPair);
}

function loadCA(dir) {
  return {
    root: new x509.X509Certificate(fs.readFileSync(path.join(dir, 'fulcio-root.pem'), 'utf8')),
    intermediate: new x509.X509Certificate(fs.readFileSync(path.join(dir, 'fulcio-intermediate.pem'), 'utf8')),
    intPair: readKey(path.join(dir, 'fulcio-intermediate.key')),
  };
}

// The object @sigstore/mock's fulcioHandler drives: the leaf is issued by
// the intermediate the way Fulcio does (10 minutes, code signing, SAN URI,
// the claims' extensions from the handler, an embedded SCT from the CT log
// over the precertificate).
async function fulcioCA(ca, ctLog) {
  const intKeys = await toCryptoKeys(ca.intPair);
  const issuerID = sha256(spkiDER(ca.intPair.publicKey));
  return {
    rootCertificate: Buffer.from(ca.root.rawData),
    async issueCertificate(req) {
      const key = await subtle.importKey('spki', req.publicKey, { name: 'ECDSA', namedCurve: 'P-256' }, true,
        ['verify']);
      const now = new Date();
      const tbs = {
        serialNumber: crypto.randomBytes(8).toString('hex').replace(/^[89a-f]/, '1'),
        issuer: ca.intermediate.subject,
        notBefore: now,
        notAfter: new Date(now.getTime() + 10 * 60 * 1000),
        publicKey: key,
        signingKey: intKeys.privateKey,
        signingAlgorithm: ES384,
        extensions: [
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.codeSigning]),
          new x509.SubjectAlternativeNameExtension([{ type: 'url', value: req.subjectAltName }], true),
          await x509.SubjectKeyIdentifierExtension.create(key),
          await x509.AuthorityKeyIdentifierExtension.create(intKeys.publicKey),
          ...(req.extensions || []).map((e) => new x509.Extension(e.oid, false,
            e.legacy ? Buffer.from(e.value) : derUTF8(e.value))),
        ],
      };
      const pre = await x509.X509CertificateGenerator.create(tbs);
      // The CT log answers with one SerializedSCT (its length first); the
      // extension holds the RFC 6962 list of them, also length-prefixed.
      const sct = Buffer.from(await ctLog.log(pre.rawData, issuerID));
      const list = Buffer.concat([u16(sct.length), sct]);
      tbs.extensions.push(new x509.Extension('1.3.6.1.4.1.11129.2.4.2', false, derOctets(list)));
      const cert = await x509.X509CertificateGenerator.create(tbs);
      return Buffer.from(cert.rawData);
    },
  };
}

const u16 = (n) => Buffer.from([n >> 8, n & 0xff]);

function derLength(n) {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  return Buffer.from([0x82, n >> 8, n & 0xff]);
}

const derTLV = (tag, body) => Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
const derUTF8 = (s) => derTLV(0x0c, Buffer.from(s, 'utf8'));
const derOctets = (b) => derTLV(0x04, b);

// --- a Rekor v1 log ---------------------------------------------------------

// RFC 6962 section 2.1: the root of leaves[lo, hi) and the audit path of m.
const leafHash = (b) => sha256(Buffer.concat([Buffer.from([0]), b]));
const nodeHash = (l, r) => sha256(Buffer.concat([Buffer.from([1]), l, r]));

function split(n) {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function mth(leaves) {
  if (leaves.length === 1) return leaves[0];
  const k = split(leaves.length);
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

function auditPath(m, leaves) {
  if (leaves.length === 1) return [];
  const k = split(leaves.length);
  if (m < k) return [...auditPath(m, leaves.slice(0, k)), mth(leaves.slice(k))];
  return [...auditPath(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

// The object @sigstore/mock's rekorHandler drives. Each entry lands in a
// tree of 3 to 12 leaves (the others random), at LEAFINDEX or at a random
// place after the first, so its inclusion proof has real hashes; the entry
// carries a signed entry timestamp and a checkpoint signed by the log key.
// Index 0 is worth its own case: proto3 JSON then leaves logIndex out.
function rekorLog(pair, leafIndex) {
  const host = new URL(REKOR_URL).host;
  const logID = sha256(spkiDER(pair.publicKey));
  return {
    async log(proposedEntry) {
      const body = Buffer.from(canonicalJSON(rekorCanonical(proposedEntry)));
      const integratedTime = Math.floor(Date.now() / 1000);
      const treeSize = 3 + crypto.randomInt(10);
      const index = leafIndex ?? 1 + crypto.randomInt(treeSize - 1);
      const logIndex = 1000000 + crypto.randomInt(1000000);
      const leaves = [];
      for (let i = 0; i < treeSize; i++) leaves.push(i === index ? leafHash(body) : leafHash(crypto.randomBytes(64)));
      const rootHash = mth(leaves);
      const setPayload = canonicalJSON({ body: body.toString('base64'), integratedTime, logID: logID.toString('hex'),
        logIndex });
      const set = crypto.sign('sha256', Buffer.from(setPayload), pair.privateKey);
      const note = `${host} - 2605736670972794746\n${treeSize}\n${rootHash.toString('base64')}\n`;
      const sig = crypto.sign('sha256', Buffer.from(note), pair.privateKey);
      const checkpoint = `${note}\n\u2014 ${host} ${Buffer.concat([logID.subarray(0, 4), sig]).toString('base64')}\n`;
      return {
        [crypto.randomBytes(32).toString('hex')]: {
          body: body.toString('base64'),
          integratedTime,
          logID: logID.toString('hex'),
          logIndex,
          verification: {
            signedEntryTimestamp: set.toString('base64'),
            inclusionProof: {
              logIndex: index,
              treeSize,
              rootHash: rootHash.toString('hex'),
              hashes: auditPath(index, leaves).map((h) => h.toString('hex')),
              checkpoint,
            },
          },
        },
      };
    },
  };
}

// What Rekor v1 stores for a proposed entry. A dsse 0.0.1 entry keeps the
// envelope's and payload's hashes and the signatures with their verifiers
// (base64 of the PEM), not the envelope; an intoto 0.0.2 entry is kept as
// proposed (the envelope with its payload, and both hashes).
function rekorCanonical(entry) {
  if (entry.kind !== 'dsse') return entry;
  const { envelope, verifiers } = entry.spec.proposedContent;
  const env = JSON.parse(envelope);
  return {
    apiVersion: entry.apiVersion,
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha256(Buffer.from(envelope)).toString('hex') },
      payloadHash: { algorithm: 'sha256', value: sha256(Buffer.from(env.payload, 'base64')).toString('hex') },
      signatures: env.signatures.map((sig, i) => ({ signature: sig.sig, verifier: verifiers[i] ?? verifiers[0] })),
    },
  };
}

// RFC 8785 for the values Rekor entries hold (strings, integers, objects, arrays).
function canonicalJSON(v) {
  if (Array.isArray(v)) return `[${v.map(canonicalJSON).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().filter((k) => v[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJSON(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

// Routes a sigstore-js client's POST to BASE+PATH to a @sigstore/mock handler.
function intercept(base, handler) {
  nock(base).post(handler.path).reply(async (_uri, body) => {
    const r = await handler.fn(typeof body === 'string' ? body : JSON.stringify(body));
    return [r.statusCode, r.response, { 'Content-Type': r.contentType || 'text/plain' }];
  });
}

// --- init -------------------------------------------------------------------

function logInstance(url, pair, start) {
  return {
    baseUrl: url,
    hashAlgorithm: 'SHA2_256',
    publicKey: {
      rawBytes: spkiDER(pair.publicKey).toString('base64'),
      keyDetails: 'PKIX_ECDSA_P256_SHA_256',
      validFor: { start },
    },
    logId: { keyId: sha256(spkiDER(pair.publicKey)).toString('base64') },
  };
}

async function cmdInit(opts) {
  const dir = opts._[1] || fail('init needs DIR', 2);
  fs.mkdirSync(dir, { recursive: true });
  const ca = await makeCA('admitd-test-fulcio');
  saveCA(dir, ca);
  const ct = newKey('prime256v1');
  const rekor = newKey('prime256v1');
  writeKey(path.join(dir, 'ctlog.key'), ct);
  writeKey(path.join(dir, 'rekor.key'), rekor);
  // @sigstore/mock's timestamp authority makes its root and signing
  // certificates anew each time; the ones written here are put back into it
  // when signing (tsaAuthority), so the trusted root names what signs.
  const tsaPair = newKey('prime256v1');
  writeKey(path.join(dir, 'tsa.key'), tsaPair);
  const tsa = await mock.initializeTSA(tsaPair);
  fs.writeFileSync(path.join(dir, 'tsa-root.der'), tsa.rootCertificate);
  fs.writeFileSync(path.join(dir, 'tsa-signing.der'), tsa.intCertificate);
  for (const name of ['key', 'other']) {
    const pair = newKey('prime256v1');
    writeKey(path.join(dir, `${name}.pem`), pair);
    fs.writeFileSync(path.join(dir, `${name}.pub`), pair.publicKey.export({ format: 'pem', type: 'spki' }));
  }
  const start = new Date(Date.now() - DAY).toISOString();
  const root = {
    mediaType: TRUSTED_ROOT_TYPE,
    tlogs: [logInstance(REKOR_URL, rekor, start)],
    certificateAuthorities: [{
      subject: { organization: 'admitd-test-fulcio', commonName: 'admitd-test-fulcio' },
      uri: FULCIO_URL,
      certChain: { certificates: [ca.intermediate, ca.root].map((c) => ({
        rawBytes: Buffer.from(c.rawData).toString('base64') })) },
      validFor: { start },
    }],
    ctlogs: [logInstance(CTFE_URL, ct, start)],
    timestampAuthorities: [{
      subject: { organization: 'sigstore.mock', commonName: 'tsa' },
      uri: TSA_URL,
      certChain: { certificates: [tsa.intCertificate, tsa.rootCertificate].map((c) => ({
        rawBytes: Buffer.from(c).toString('base64') })) },
      validFor: { start },
    }],
  };
  TrustedRoot.fromJSON(root); // the protobuf-specs parser must accept what we write
  fs.writeFileSync(path.join(dir, 'trusted_root.json'), JSON.stringify(root, null, 2) + '\n');
}

// --- signing ----------------------------------------------------------------

function statement(opts) {
  const predicate = opts.predicate ? JSON.parse(fs.readFileSync(opts.predicate, 'utf8')) : {};
  return Buffer.from(JSON.stringify({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: opts.name || 'image', digest: { sha256: hexDigest(opts) } }],
    predicateType: opts['predicate-type'] || SIGN_PREDICATE,
    predicate,
  }));
}

async function witnesses(dir, opts) {
  const list = [];
  if (!opts['no-tlog']) {
    const entryType = opts['entry-type'] || 'dsse';
    if (entryType !== 'dsse' && entryType !== 'intoto') fail('--entry-type is dsse or intoto', 2);
    list.push(new sign.RekorWitness({ rekorBaseURL: REKOR_URL, entryType, retry: 0 }));
  }
  if (opts.tsa || opts['rogue-tsa']) {
    const tsa = opts['rogue-tsa'] ? await mock.initializeTSA(newKey('prime256v1')) : await tsaAuthority(dir);
    const millis = Number(opts['tsa-millis'] ?? 0);
    if (!(Number.isInteger(millis) && millis >= 0 && millis < 1000)) fail('--tsa-millis is 0 to 999', 2);
    tsa.getCurrentTime = () => pastTime(millis);
    intercept(TSA_URL, mock.tsaHandler(tsa));
    list.push(new sign.TSAWitness({ tsaBaseURL: TSA_URL, retry: 0 }));
  }
  return list;
}

// The current second plus MILLIS, waiting until that is no longer in the
// future: never before the certificate just issued (its notBefore is this
// second or earlier), never after now.
function pastTime(millis) {
  const second = Math.floor(Date.now() / 1000) * 1000;
  const wait = second + millis - Date.now();
  if (wait > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait + 1);
  return new Date(second + millis);
}

async function tsaAuthority(dir) {
  const tsa = await mock.initializeTSA(readKey(path.join(dir, 'tsa.key')));
  const cert = (name) => pkijs.Certificate.fromBER(fs.readFileSync(path.join(dir, name)));
  tsa.rootCert = cert('tsa-root.der');
  tsa.intCert = cert('tsa-signing.der');
  return tsa;
}

// A signer with a plain key, as `cosign sign --key`: the bundle names the key
// only by its hint (base64 of the SHA-256 of its DER SubjectPublicKeyInfo).
function keySigner(file) {
  const pair = readKey(file);
  const pem = pair.publicKey.export({ format: 'pem', type: 'spki' });
  return {
    async sign(data) {
      return {
        signature: crypto.sign('sha256', data, pair.privateKey),
        key: { $case: 'publicKey', publicKey: pem, hint: sha256(spkiDER(pair.publicKey)).toString('base64') },
      };
    },
  };
}

async function keylessSigner(dir, opts) {
  const ca = opts['rogue-ca'] ? await makeCA('admitd-test-rogue') : loadCA(dir);
  const ctLog = await mock.initializeCTLog(readKey(path.join(dir, 'ctlog.key')));
  intercept(FULCIO_URL, mock.fulcioHandler(await fulcioCA(ca, ctLog)));
  // An unsigned token: the mock Fulcio reads its claims, as Fulcio would
  // after checking the issuer's signature. sub becomes the SAN URI and iss
  // the issuer extensions (1.3.6.1.4.1.57264.1.8 and the legacy .1.1).
  const claims = { sub: need(opts, 'identity'), iss: need(opts, 'issuer') };
  const b64url = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
  return new sign.FulcioSigner({ fulcioBaseURL: FULCIO_URL, identityProvider: { getToken: async () => token },
    retry: 0 });
}

async function cmdSign(opts, keyless) {
  const dir = opts._[1] || fail(`${opts._[0]} needs DIR`, 2);
  const out = need(opts, 'out');
  const leaf = opts['leaf-index'] === undefined ? undefined : Number(opts['leaf-index']);
  if (leaf !== undefined && !(Number.isInteger(leaf) && leaf >= 0 && leaf < 3)) fail('--leaf-index is 0, 1 or 2', 2);
  intercept(REKOR_URL, mock.rekorHandler(rekorLog(readKey(path.join(dir, 'rekor.key')), leaf)));
  const signer = keyless ? await keylessSigner(dir, opts) : keySigner(need(opts, 'key'));
  const builder = new sign.DSSEBundleBuilder({ signer, witnesses: await witnesses(dir, opts) });
  const bundle = await builder.create({ data: statement(opts), type: opts['payload-type'] || INTOTO_PAYLOAD });
  const json = bundleLib.bundleToJSON(bundle);
  if (opts['break-proof']) {
    const proof = json.verificationMaterial.tlogEntries?.[0]?.inclusionProof || fail('--break-proof needs a tlog entry');
    const h = Buffer.from(proof.hashes[0], 'base64');
    h[0] ^= 1;
    proof.hashes[0] = h.toString('base64');
  }
  if (opts['tamper-payload']) {
    const st = JSON.parse(Buffer.from(json.dsseEnvelope.payload, 'base64'));
    st.predicate = { ...st.predicate, tampered: true };
    json.dsseEnvelope.payload = Buffer.from(JSON.stringify(st)).toString('base64');
  }
  fs.writeFileSync(out, JSON.stringify(json) + '\n');
  nock.cleanAll();
}

// --- verify (the reference) -------------------------------------------------

function cmdVerify(opts) {
  try {
    const json = JSON.parse(fs.readFileSync(need(opts, 'bundle'), 'utf8'));
    const bundle = bundleLib.bundleFromJSON(json);
    const root = opts['trusted-root']
      ? TrustedRoot.fromJSON(JSON.parse(fs.readFileSync(opts['trusted-root'], 'utf8')))
      : TrustedRoot.fromJSON({ mediaType: TRUSTED_ROOT_TYPE, tlogs: [], certificateAuthorities: [], ctlogs: [],
        timestampAuthorities: [] });
    let policy;
    let keys;
    let thresholds = {};
    if (opts.key) {
      // The key comes from the caller whatever the bundle's hint says.
      const publicKey = crypto.createPublicKey(fs.readFileSync(opts.key));
      keys = () => ({ publicKey, validFor: () => true });
      const hasTlog = (json.verificationMaterial.tlogEntries || []).length > 0;
      if (!opts['trusted-root'] || !hasTlog) thresholds = { tlogThreshold: 0, timestampThreshold: 0, ctlogThreshold: 0 };
    } else {
      // SAN matched whole (sigstore-js matches a regular expression).
      const id = need(opts, 'identity').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      policy = { subjectAlternativeName: new RegExp(`^${id}$`), extensions: { issuer: need(opts, 'issuer') } };
    }
    const verifier = new verifyLib.Verifier(verifyLib.toTrustMaterial(root, keys), thresholds);
    verifier.verify(verifyLib.toSignedEntity(bundle), policy);
    // @sigstore/verify checks the envelope's signature, not what it says:
    // binding the statement to the image is the caller's part (client-spec 4.5).
    if (!bundle.content.dsseEnvelope) throw new Error('not a DSSE envelope');
    if (bundle.content.dsseEnvelope.payloadType !== INTOTO_PAYLOAD) throw new Error('payloadType is not in-toto');
    const st = JSON.parse(bundle.content.dsseEnvelope.payload.toString('utf8'));
    if (st._type !== 'https://in-toto.io/Statement/v1') throw new Error(`statement type ${st._type}`);
    const hex = hexDigest(opts);
    if (!(st.subject || []).some((s) => s?.digest?.sha256 === hex)) throw new Error('no subject has the digest');
    if (opts['predicate-type'] && st.predicateType !== opts['predicate-type']) {
      throw new Error(`predicateType ${st.predicateType}`);
    }
    process.stdout.write(`verified ${st.predicateType}\n`);
    process.exit(0);
  } catch (e) {
    process.stdout.write(`not verified: ${e.code ? `${e.code}: ` : ''}${e.message}\n`);
    process.exit(1);
  }
}

// --- attach -----------------------------------------------------------------

let authorization;

async function http(method, url, { body, type, accept } = {}) {
  const headers = {};
  if (authorization) headers.Authorization = authorization;
  if (type) headers['Content-Type'] = type;
  if (accept) headers.Accept = accept;
  const res = await fetch(url, { method, body, headers, redirect: 'manual' });
  const text = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body: text };
}

async function pushBlob(base, repo, data) {
  const digest = `sha256:${sha256(data).toString('hex')}`;
  const post = await http('POST', `${base}/v2/${repo}/blobs/uploads/`);
  if (post.status !== 202) throw new Error(`blob upload: POST ${post.status}`);
  const loc = new URL(post.headers.get('location'), base);
  loc.searchParams.set('digest', digest);
  const put = await http('PUT', loc.toString(), { body: data, type: 'application/octet-stream' });
  if (put.status !== 201) throw new Error(`blob upload: PUT ${put.status} ${put.body}`);
  return { digest, size: data.length };
}

async function putManifest(base, repo, ref, data, type) {
  const r = await http('PUT', `${base}/v2/${repo}/manifests/${ref}`, { body: data, type });
  if (r.status !== 201) throw new Error(`manifest ${ref}: PUT ${r.status} ${r.body}`);
  return r;
}

async function cmdAttach(opts) {
  const scheme = opts.scheme || 'http';
  if (scheme !== 'http' && scheme !== 'https') fail('--scheme is http or https', 2);
  const base = `${scheme}://${need(opts, 'registry')}`;
  authorization = opts.user === undefined ? undefined
    : `Basic ${Buffer.from(`${opts.user}:${need(opts, 'password')}`).toString('base64')}`;
  const repo = need(opts, 'repo');
  const hex = hexDigest(opts);
  const mode = opts.mode || 'auto';
  if (!['auto', 'referrers', 'tag'].includes(mode)) fail('--mode is auto, referrers or tag', 2);
  const data = fs.readFileSync(need(opts, 'bundle'));
  const parsed = JSON.parse(data);
  const accept = [OCI_MANIFEST, OCI_INDEX, 'application/vnd.docker.distribution.manifest.v2+json',
    'application/vnd.docker.distribution.manifest.list.v2+json'].join(', ');
  const subj = await http('GET', `${base}/v2/${repo}/manifests/sha256:${hex}`, { accept });
  if (subj.status !== 200) throw new Error(`subject sha256:${hex}: GET ${subj.status}`);
  const subject = { mediaType: subj.headers.get('content-type').split(';')[0], digest: `sha256:${hex}`,
    size: subj.body.length };

  const type = opts['not-a-bundle'] ? 'application/vnd.example.not-a-bundle+json' : BUNDLE_TYPE;
  const layer = await pushBlob(base, repo, data);
  const empty = await pushBlob(base, repo, Buffer.from('{}'));
  const annotations = { 'dev.sigstore.bundle.content': parsed.dsseEnvelope ? 'dsse-envelope' : 'message-signature' };
  if (parsed.dsseEnvelope) {
    const st = JSON.parse(Buffer.from(parsed.dsseEnvelope.payload, 'base64'));
    if (st.predicateType) annotations['dev.sigstore.bundle.predicateType'] = st.predicateType;
  }
  annotations['org.opencontainers.image.created'] = new Date().toISOString();
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: type,
    config: { mediaType: OCI_EMPTY, digest: empty.digest, size: empty.size },
    layers: [{ mediaType: type, digest: layer.digest, size: layer.size,
      annotations: { 'org.opencontainers.image.title': `${layer.digest.replace(':', '-')}.sigstore.json` } }],
    subject,
    annotations,
  }));
  const mdigest = `sha256:${sha256(manifest).toString('hex')}`;
  const put = await putManifest(base, repo, mdigest, manifest, OCI_MANIFEST);

  // A registry with the referrers API says so with OCI-Subject on the PUT
  // and answers the referrers endpoint; otherwise the tag stands in for it.
  let tag = null;
  let writeTag = mode === 'tag';
  if (mode === 'auto') {
    const ping = await http('GET', `${base}/v2/${repo}/referrers/sha256:${hex}`, { accept: OCI_INDEX });
    writeTag = !put.headers.get('oci-subject') || ping.status !== 200;
  }
  if (writeTag) {
    tag = `sha256-${hex}`;
    const cur = await http('GET', `${base}/v2/${repo}/manifests/${tag}`, { accept: OCI_INDEX });
    let index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
    if (cur.status === 200) index = JSON.parse(cur.body);
    else if (cur.status !== 404) throw new Error(`referrers tag ${tag}: GET ${cur.status}`);
    let artifactType = opts['not-a-bundle'] ? BUNDLE_TYPE : type;
    if (opts['lie-artifact-type']) artifactType = OCI_EMPTY;
    if (opts['index-artifact-type'] !== undefined) artifactType = opts['index-artifact-type'];
    const desc = { mediaType: OCI_MANIFEST, digest: mdigest, size: manifest.length };
    if (artifactType !== 'none') desc.artifactType = artifactType;
    desc.annotations = annotations;
    index.manifests = index.manifests.filter((m) => m.digest !== mdigest).concat([desc]);
    await putManifest(base, repo, tag, Buffer.from(JSON.stringify(index)), OCI_INDEX);
  }
  process.stdout.write(`${JSON.stringify({ manifest: mdigest, size: manifest.length, bundle: layer.digest, tag })}\n`);
}

// --- main -------------------------------------------------------------------

async function run(argv) {
  const opts = parseArgs(argv);
  if (['init', 'keyless', 'key'].includes(opts._[0])) loadSigning();
  switch (opts._[0]) {
    case 'init': return cmdInit(opts);
    case 'keyless': return cmdSign(opts, true);
    case 'key': return cmdSign(opts, false);
    case 'verify': return cmdVerify(opts);
    case 'attach': return cmdAttach(opts);
    case 'batch': {
      // One process for many keyless, key and attach commands (node's start
      // is most of each one's time); the first failure ends the batch.
      const cmds = [[]];
      for (const a of argv.slice(1)) {
        if (a === '::') cmds.push([]);
        else cmds[cmds.length - 1].push(a);
      }
      for (const c of cmds.filter((c) => c.length > 0)) {
        if (!['keyless', 'key', 'attach'].includes(c[0])) fail(`batch runs keyless, key and attach, not ${c[0]}`, 2);
        await run(c);
      }
      return undefined;
    }
    default: return usage(2);
  }
}

try {
  await run(process.argv.slice(2));
} catch (e) {
  fail(e.stack || String(e));
}
