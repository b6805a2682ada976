// Reading the email a portal sent, as the SMTP server received it.

/// A message as text: folded headers unfolded, quoted-printable soft line breaks undone.
export function readable(message) {
  const [head, ...body] = message.split(/\r?\n\r?\n/);
  return `${head.replace(/\r?\n[ \t]+/g, ' ')}\n\n${body.join('\n\n').replace(/=\r?\n/g, '')}`;
}

/// The messages the SMTP server received for an address; waits up to `seconds` for at least
/// `count`.
export async function mailsTo(portal, address, count = 1, seconds = 20) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const mails = portal.mail()
      .map(readable)
      .filter((m) => new RegExp(`^To: (.*<)?${address.replace(/\./g, '\\.')}>?$`, 'm').test(m));
    if (mails.length >= count || Date.now() > deadline) return mails;
    await new Promise((r) => setTimeout(r, 250));
  }
}
