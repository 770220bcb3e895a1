/**
 * Connector secrets (client secrets, tokens) are sealed with AES-256-GCM under CONNECTOR_SECRET_KEY before
 * they are stored, and unsealed only by the sync job. The key never reaches the database.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AppError } from '../errors.ts';

const VERSION = 'v1';

export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

/** `key`: any string of at least 32 characters (it is hashed to 256 bits), or null when none is configured. */
export function createSecretBox(key: string | null | undefined): SecretBox {
  const material = key ? createHash('sha256').update(key, 'utf8').digest() : null;
  const requireKey = (): Buffer => {
    if (!material) {
      throw new AppError(
        'invalid_input',
        'This source needs a secret, and secrets are stored encrypted: set CONNECTOR_SECRET_KEY (32 characters or more) and restart.',
      );
    }
    return material;
  };
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', requireKey(), iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [
        VERSION,
        iv.toString('base64'),
        cipher.getAuthTag().toString('base64'),
        body.toString('base64'),
      ].join(':');
    },
    open(sealed) {
      const [version, iv, tag, body] = sealed.split(':');
      if (version !== VERSION || !iv || !tag || body === undefined) {
        throw new AppError('internal', 'a stored connector secret is malformed', { expose: false });
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', requireKey(), Buffer.from(iv, 'base64'));
        decipher.setAuthTag(Buffer.from(tag, 'base64'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString(
          'utf8',
        );
      } catch (cause) {
        throw new AppError(
          'invalid_input',
          "This source's secret cannot be decrypted: CONNECTOR_SECRET_KEY changed since it was entered. Enter the secret again.",
          { cause },
        );
      }
    },
  };
}
