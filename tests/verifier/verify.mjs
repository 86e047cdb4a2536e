// An independent check of a Gongbang Open Badges 3.0 credential with Digital Bazaar's libraries
// (tests/projects/test_credentials_verifier.py runs it).
// stdin: {"credential": {...}, "contexts": {url: context}, "documents": {url: document}}
//   contexts: our bundled JSON-LD contexts; documents: our controller document and status list credential.
// stdout: {"verified": bool, "revoked": bool|null, "errors": [...]}.  Nothing is fetched: the document
// loader knows only what it is given (and the security contexts that jsonld-signatures frames with).
import {gunzipSync} from 'node:zlib';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import securityContext from '@digitalbazaar/security-context';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const known = new Map(Object.entries({...input.contexts, ...input.documents}));
for(const [url, doc] of securityContext.contexts) known.set(url, doc);

const documentLoader = async url => {
  const [base, fragment] = url.split('#');
  const document = known.get(base);
  if(!document) throw new Error(`refused to load ${url}`);
  if(fragment === undefined) return {contextUrl: null, documentUrl: url, document};
  // A verification method: its entry in the controller document (as did:web resolvers do).
  const method = (document.verificationMethod || []).find(m => m.id === url);
  if(!method) throw new Error(`no verification method ${url}`);
  return {contextUrl: null, documentUrl: url, document: {'@context': document['@context'], ...method}};
};

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
let revoked = null;

// Bitstring Status List: the list credential must verify too, then its bit is read.
const checkStatus = async ({credential}) => {
  const entry = credential.credentialStatus;
  if(entry.type !== 'BitstringStatusListEntry' || entry.statusPurpose !== 'revocation') {
    return {verified: false, error: new Error('unsupported status')};
  }
  const {document: list} = await documentLoader(entry.statusListCredential);
  const listResult = await vc.verifyCredential({credential: list, suite, documentLoader});
  if(!listResult.verified) return {verified: false, error: new Error('status list does not verify')};
  const encoded = list.credentialSubject.encodedList;
  if(!encoded.startsWith('u')) return {verified: false, error: new Error('not base64url multibase')};
  const bits = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
  const index = Number(entry.statusListIndex);
  revoked = Boolean(bits[index >> 3] & (0x80 >> (index & 7)));
  return {verified: !revoked};
};

try {
  const result = await vc.verifyCredential({credential: input.credential, suite, documentLoader, checkStatus});
  const errors = [];
  if(!result.verified) {
    if(result.error) errors.push(String(result.error.message || result.error));
    for(const r of result.results || []) if(r.error) errors.push(String(r.error.message || r.error));
    if(result.statusResult && result.statusResult.error) errors.push(String(result.statusResult.error));
  }
  process.stdout.write(JSON.stringify({verified: result.verified, revoked, errors}));
} catch(e) {
  process.stdout.write(JSON.stringify({verified: false, revoked, errors: [String(e.message || e)]}));
}
