import { describe, expect, it } from 'vitest';
import { decodeSmsMessage } from '../../../src/domain/engine/sms-message.js';

describe('decodeSmsMessage', () => {
  it('decodes Base64 and URL-encoded Base64 (docs/kore-compatibility.md, inconsistency 16)', () => {
    expect(decodeSmsMessage('VGhpcyBpcyBhIHJlbWluZGVyLg==')).toBe('This is a reminder.');
    expect(decodeSmsMessage('VGhpcyBpcyBhIHJlbWluZGVyLg%3D%3D')).toBe('This is a reminder.');
    expect(decodeSmsMessage(Buffer.from('Grüße, José ✓').toString('base64'))).toBe('Grüße, José ✓');
  });

  it('sends plain text as is, including words that happen to be valid Base64', () => {
    expect(decodeSmsMessage('Hi, This is just reminder for upcoming event')).toBe(
      'Hi, This is just reminder for upcoming event',
    );
    expect(decodeSmsMessage('test')).toBe('test');
    expect(decodeSmsMessage('Hello123')).toBe('Hello123');
    expect(decodeSmsMessage('50%25 off today')).toBe('50% off today');
    expect(decodeSmsMessage('100% sure')).toBe('100% sure');
  });
});
