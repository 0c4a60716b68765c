/**
 * TLS between services. Every role uses one identity for both ends: `certFile`/`keyFile` are
 * its server certificate and, as a client, the certificate it presents to the roles it calls;
 * `caFile` verifies peers (servers check client certificates against it, clients check
 * servers). The files are the ones a Kubernetes TLS Secret mounts (`tls.crt`, `tls.key`,
 * `ca.crt`). The config holds paths only: key material is read when credentials are built and
 * never enters the config, its printed form, logs or metric labels.
 */
import { z } from 'zod';

const path = (what: string) => z.string().default('').describe(`${what} (PEM file path)`);

export const tlsSection = z
  .strictObject({
    enabled: z.boolean().default(false).describe('serve and call over TLS (off: plaintext, for loopback and tests)'),
    certFile: path("this role's certificate chain: server certificate, and client certificate when it calls others"),
    keyFile: path('private key of certFile'),
    caFile: path('CA bundle that verifies peers (client certificates on servers, server certificates on clients); empty = system roots, clients only'),
    requireClientCert: z.boolean().default(true).describe('mutual TLS: refuse connections without a client certificate signed by caFile'),
    serverNameOverride: z.string().default('').describe("clients: the name to verify in servers' certificates (when addresses are IPs or per-pod names)"),
  })
  .superRefine((t, ctx) => {
    if (!t.enabled) return;
    for (const key of ['certFile', 'keyFile'] as const) {
      if (t[key] === '') ctx.addIssue({ code: 'custom', path: [key], message: `${key} is required when TLS is enabled` });
    }
    if (t.requireClientCert && t.caFile === '') {
      ctx.addIssue({ code: 'custom', path: ['caFile'], message: 'caFile is required to verify client certificates (requireClientCert)' });
    }
  });

export type TlsConfig = z.output<typeof tlsSection>;
