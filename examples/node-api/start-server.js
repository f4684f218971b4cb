// start-server.js - the tests' helper (node-api's and the dashboard's): runs
// server.js as a child process on a free loopback port with the caller's PG*.
'use strict';

const { spawn } = require('node:child_process');
const path = require('node:path');

// startServer resolves to { url, stop } once server.js prints its address.
function startServer() {
  const child = spawn(process.execPath, [path.join(__dirname, 'server.js')], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'], // its errors show in the test's output
  });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve({ url: match[1], stop: () => stop(child) });
    });
    child.on('exit', (code) => reject(new Error(`server.js exited with ${code}:\n${output}`)));
  });
}

// stop ends the server and waits for it to exit.
function stop(child) {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGTERM'); });
}

module.exports = { startServer };
