import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './tools.js';

/**
 * The TLS files the NATS configs name (ca.pem, server.pem, server-key.pem, site.pem,
 * site-key.pem), made with openssl in `dir`: a throwaway CA, and certificates for 127.0.0.1 so
 * that servers on loopback pass hostname verification.
 */
export function makeNatsCertificates(openssl: string, dir: string): void {
  const sh = (command: string) => {
    const result = run(openssl, command.split(' '), { cwd: dir });
    assert.equal(result.status, 0, `openssl ${command}\n${result.output}`);
  };
  sh(
    'req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 1 -subj /CN=vexil-test-ca',
  );
  for (const name of ['server', 'site']) {
    writeFileSync(join(dir, `${name}.ext`), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    sh(`req -newkey rsa:2048 -nodes -keyout ${name}-key.pem -out ${name}.csr -subj /CN=${name}`);
    sh(
      `x509 -req -in ${name}.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out ${name}.pem -days 1 -extfile ${name}.ext`,
    );
  }
}
