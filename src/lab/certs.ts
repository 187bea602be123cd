import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

export interface Issued {
  certPem: string;
  keyPem: string;
}

export interface Authority extends Issued {
  name: string;
  keys: webcrypto.CryptoKeyPair;
}

async function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').trim()}\n-----END PRIVATE KEY-----\n`;
}

/** A root CA made at run time: nothing in the repository can expire. */
export async function createRootCa(name = 'CN=action-debug lab root CA'): Promise<Authority> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name,
    keys,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 30 * DAY),
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 2, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { name, keys, certPem: cert.toString('pem'), keyPem: await keyPem(keys.privateKey!) };
}

export async function createIntermediateCa(root: Authority, name = 'CN=action-debug lab intermediate CA'): Promise<Authority> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.create({
    subject: name,
    issuer: root.name,
    publicKey: keys.publicKey!,
    signingKey: root.keys.privateKey!,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 30 * DAY),
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey!),
      await x509.AuthorityKeyIdentifierExtension.create(root.keys.publicKey!),
    ],
  });
  return { name, keys, certPem: cert.toString('pem'), keyPem: await keyPem(keys.privateKey!) };
}

/** A server certificate for `dnsNames`, signed by `issuer` (or by itself when issuer is null). */
export async function issueServerCert(
  issuer: Authority | null,
  dnsNames: string[],
  validity: { fromDays: number; toDays: number } = { fromDays: -1, toDays: 90 },
): Promise<Issued> {
  const keys = await keyPair();
  const subject = `CN=${dnsNames[0]}`;
  const params = {
    subject,
    issuer: issuer?.name ?? subject,
    publicKey: keys.publicKey!,
    signingKey: issuer?.keys.privateKey ?? keys.privateKey!,
    notBefore: new Date(Date.now() + validity.fromDays * DAY),
    notAfter: new Date(Date.now() + validity.toDays * DAY),
    signingAlgorithm: ALG,
    extensions: [
      new x509.SubjectAlternativeNameExtension(dnsNames.map((value) => ({ type: 'dns' as const, value }))),
      new x509.BasicConstraintsExtension(false),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ...(issuer ? [await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey!)] : []),
    ],
  };
  const cert = await x509.X509CertificateGenerator.create(params);
  return { certPem: cert.toString('pem'), keyPem: await keyPem(keys.privateKey!) };
}
