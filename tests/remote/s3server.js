// SPDX-License-Identifier: GPL-3.0-or-later
// The S3-compatible server of Podium's tests: @20minutes/s3rver on 127.0.0.1, bucket "ckpts", credentials
// S3RVER/S3RVER (SigV4 checked: a wrong secret gets 403). Seeds the bucket with local folders through plain
// (anonymous) PUTs — not through Podium's own client, which is what the tests check.
// Usage: node s3server.js PORT DATA_DIR [PREFIX=FOLDER ...]; prints "ready PORT" when it serves.
'use strict';
const S3rver = require('@20minutes/s3rver');
const fs = require('fs');
const http = require('http');
const path = require('path');

const [port, dataDir, ...seeds] = process.argv.slice(2);

function* walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.isFile()) yield p;
  }
}

function put(key, file) {
  return new Promise((resolve, reject) => {
    const body = fs.readFileSync(file);
    const encoded = key.split('/').map(encodeURIComponent).join('/');
    const req = http.request({ host: '127.0.0.1', port, method: 'PUT', path: '/ckpts/' + encoded,
                               headers: { 'Content-Length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`PUT ${key}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function main() {
  const server = new S3rver({ port: Number(port), address: '127.0.0.1', directory: dataDir, silent: true,
                              configureBuckets: [{ name: 'ckpts' }] });
  await server.run();
  for (const seed of seeds) {
    const eq = seed.indexOf('=');
    const prefix = seed.slice(0, eq), folder = seed.slice(eq + 1);
    // one at a time, oldest first: the objects' LastModified keep the files' order (Lightning's rules break
    // ties of global_step by modification time)
    const files = [...walk(folder)].map((f) => [fs.statSync(f, { bigint: true }).mtimeNs, f]);
    files.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1));
    let last = 0;
    for (const [, f] of files) {
      while (Date.now() === last) await new Promise((r) => setTimeout(r, 1)); // distinct milliseconds
      last = Date.now();
      await put(prefix + '/' + path.relative(folder, f).split(path.sep).join('/'), f);
    }
  }
  console.log('ready ' + port);
}
main().catch((e) => { console.error(e); process.exit(1); });
