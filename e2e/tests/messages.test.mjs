// Messages as a patient meets them: the unread count in the header, asking a question with the
// emergency reminder and the reply-by day, the care team's reply through the help desk's command
// and the count again, a draft that survives a reload, an idle warning answered by typing and a
// sign-out by the clock, a failed send that keeps the text, a closed conversation, the limit on
// length, and hostile text shown as text.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test, screen } from '../lib/harness.mjs';
import { mailsTo } from '../lib/mail.mjs';
import { bodyText, openSection, signIn, signInAs, signInAsAnn, switchTo } from '../lib/pages.mjs';

/// The header's link, and the unread count it carries.
async function messagesLink(page, count) {
  const link = page.getByRole('banner').getByRole('link', { name: count ? `Messages ${count} unread` : /^Messages/ });
  await link.waitFor();
  return link;
}

/// Opens the inbox from the header.
async function openInbox(page, count) {
  await (await messagesLink(page, count)).click();
  await page.getByRole('heading', { level: 1, name: 'Your messages' }).waitFor();
}

/// From the inbox: the form, filled in.
async function writeQuestion(page, { topic = 'A medicine', subject, body }) {
  await page.getByRole('link', { name: 'Ask a question' }).click();
  await page.getByRole('heading', { level: 1, name: 'Ask a question' }).waitFor();
  await page.getByLabel(topic, { exact: true }).check();
  await page.getByLabel('Subject').fill(subject);
  await page.getByLabel('Your message').fill(body);
}

/// Opens someone else's record through the switcher, accepting the proxy terms for them.
async function actFor(page, name) {
  await switchTo(page, name);
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('heading', { level: 1, name: `${name}\u2019s health record` }).waitFor();
}

/// The id of the conversation the page shows.
function conversationId(page) {
  return new URL(page.url()).pathname.split('/').pop();
}

test('a patient asks a question; the hospital\u2019s system replies as a named pharmacist; the reply is counted and read', async ({ page, portal }) => {
  await signInAsAnn(page);
  // The demo holds one reply Ann has not read.
  await openInbox(page, 1);
  await page.getByText('1 new message').waitFor();
  await screen(page, 'messages-inbox');
  await page.getByRole('link', { name: 'Ask a question' }).click();
  await page.getByRole('button', { name: 'Send message' }).waitFor();
  const form = await bodyText(page);
  assert.match(form, /Messages are not for anything urgent/);
  assert.match(form, /In an emergency, call 999/);
  assert.match(form, /Staff who sort messages/);
  assert.match(form, /you can expect a reply by (Monday|Tuesday|Wednesday|Thursday|Friday),? \d+ \w+ \d{4}/, form.slice(form.indexOf('When you will')));
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor();
  await screen(page, 'messages-ask-errors');
  assert.match(await bodyText(page), /Choose what your message is about[\s\S]*Give your message a subject[\s\S]*Write your message/);
  await page.getByLabel('A medicine', { exact: true }).check();
  await page.getByLabel('Subject').fill('Metformin and a stomach upset');
  await page.getByLabel('Your message').fill('Since Monday my stomach has been upset after my metformin.\nShould I take it with food?');
  await page.getByText('You have 3,914 characters left').waitFor();
  await screen(page, 'messages-ask');
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByRole('status').filter({ hasText: /Your message has been sent\. You can expect a reply by \w+day/ }).waitFor();
  await page.getByRole('heading', { level: 1, name: 'Metformin and a stomach upset' }).waitFor();
  assert.match(await bodyText(page), /Not read by the hospital yet/);
  await screen(page, 'messages-sent');
  const id = conversationId(page);

  const waiting = portal.cli('messages', 'waiting');
  assert.match(waiting.out, new RegExp(`^${id}\\t.*\\tdemo-ann\\tpharmacy\\tMetformin and a stomach upset$`, 'm'));
  // The hospital's messaging system finds the new message and replies, through the professional
  // API, as the pharmacist its token names.
  const hospital = portal.professional('riverside-messages', 'riverside', 'Riverside General Hospital', { messages: true });
  const asPharmacist = { name: 'Priya Shah', role: 'Pharmacist', purpose: 'TREAT', scope: 'system/Communication.rs system/Communication.c' };
  const found = hospital({ ...asPharmacist, what: 'Communication' });
  assert.equal(found.status, 0, found.out);
  const question = JSON.parse(found.out).entry.map((e) => e.resource).find((c) => c.topic.text === 'Metformin and a stomach upset');
  const replied = hospital({ ...asPharmacist, what: `Communication/${question.id}`,
    reply: 'Yes: take it with or just after food. If the upset goes on for more than a week, call us.' });
  assert.equal(replied.status, 0, replied.out);
  // Ann is emailed that there is something new, and nothing of what.
  const [mail] = await mailsTo(portal, 'ann.carter@example.org');
  assert.ok(mail, 'the email arrived');
  assert.match(mail, /^Subject: There is something new/m);
  for (const word of ['Metformin', 'stomach', 'food', 'Priya', 'Pharmacist', 'message']) {
    assert.ok(!mail.includes(word), `the email says ${word}`);
  }

  // The count follows the next move in the app.
  await page.getByRole('link', { name: 'Back to messages' }).click();
  await messagesLink(page, 2);
  await page.getByRole('link', { name: 'Metformin and a stomach upset' }).click();
  await page.getByText('Priya Shah, Pharmacist').waitFor();
  const thread = await bodyText(page);
  assert.match(thread, /Read by the hospital/);
  assert.match(thread, /take it with or just after food/);
  await screen(page, 'messages-conversation');
  await page.getByRole('link', { name: 'Back to messages' }).click();
  await messagesLink(page, 1);
  // Ann's access log says who replied.
  const log = await (await page.request.get('/api/v1/fhir/AuditEvent?patient=demo-ann&_count=100')).json();
  assert.ok(log.entry.some((e) => JSON.stringify(e.resource.agent).includes('Priya Shah')), 'the reply is in the access log');
});

test('a draft is kept by the portal through a reload, typing answers the idle warning, and a sign-out by the clock keeps it', async ({ page }) => {
  await signInAsAnn(page);
  await openInbox(page);
  await writeQuestion(page, { subject: 'Blood pressure readings', body: 'My home readings are higher in the evening' });
  await page.getByText(/^Draft saved at/).waitFor();
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Ask a question' }).waitFor();
  assert.equal(await page.getByLabel('Your message').inputValue(), 'My home readings are higher in the evening');
  assert.equal(await page.getByLabel('Subject').inputValue(), 'Blood pressure readings');
  assert.ok(await page.getByLabel('A medicine', { exact: true }).isChecked());
  // Nothing of it is in the browser's storage.
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  assert.doesNotMatch(stored, /readings/);

  // The warning comes while they have stopped to think; the next key they type answers it.
  const dialog = page.getByRole('dialog', { name: 'Do you want to stay signed in?' });
  await page.getByLabel('Your message').focus();
  await page.getByLabel('Your message').press('End');
  await dialog.waitFor({ timeout: 20_000 });
  await page.keyboard.type(', about 150 over 90.');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await page.getByLabel('Your message').inputValue(), 'My home readings are higher in the evening, about 150 over 90.');
  await page.getByText(/^Draft saved at/).waitFor();

  // Left alone, the session ends; the draft waits for the next sign-in.
  await page.waitForURL(/\/sign-in\?ended=idle$/, { timeout: 30_000 });
  await signIn(page, 'ann');
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
  await openInbox(page);
  await page.getByRole('link', { name: 'Ask a question' }).click();
  await page.getByRole('heading', { level: 1, name: 'Ask a question' }).waitFor();
  await page.getByText(/^You have 3,9\d\d characters left/).waitFor();
  assert.equal(await page.getByLabel('Your message').inputValue(), 'My home readings are higher in the evening, about 150 over 90.');

  // Typed and gone at once, before the pause that saves it (another address, a closed tab):
  // the page's going saves it.
  await page.getByLabel('Your message').press('End');
  await page.keyboard.type(' Most');
  await page.getByText(/^Draft saved at/).waitFor();
  await page.keyboard.type(' days.');
  await page.goto('/messages/demo-ann');
  await page.getByRole('heading', { level: 1, name: 'Your messages' }).waitFor();
  await page.getByRole('link', { name: 'Ask a question' }).click();
  await page.getByRole('heading', { level: 1, name: 'Ask a question' }).waitFor();
  assert.equal(await page.getByLabel('Your message').inputValue(), 'My home readings are higher in the evening, about 150 over 90. Most days.');
}, { portal: { idleTimeout: 12 } });

test('photos and documents go with a question, kept with the draft through a reload, refused in words when too big or not allowed, and come back only as downloads', async ({ page, portal }) => {
  await signInAsAnn(page);
  await openInbox(page);
  await writeQuestion(page, { topic: 'A medical question for my care team', subject: 'A rash on my arm', body: 'It started on Sunday. I have added a photo and my pharmacy note.' });
  const picker = page.getByLabel('Add a photo or document (optional)');
  assert.match(await bodyText(page), /You can add up to 5 photos or documents \(JPEG, PNG, HEIC or PDF\), each up to 10\sMB/);
  // Too big is said before a byte is sent; what the portal finds a file to be decides the rest.
  await picker.setInputFiles({ name: 'whole-album.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(12_500_000, 1) });
  await page.getByRole('alert').filter({ hasText: 'whole-album.jpg is 12.5 MB, and files can be up to 10 MB' }).waitFor();
  await picker.setInputFiles({ name: 'not-a-photo.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('<html><script>document.title="owned"</script></html>') });
  await page.getByRole('alert').filter({ hasText: /not-a-photo\.jpg was not added\. This file cannot be sent\. You can send photos and documents saved as JPEG, PNG, HEIC or PDF/ }).waitFor();
  assert.equal(await page.getByLabel('Your message').inputValue(), 'It started on Sunday. I have added a photo and my pharmacy note.');

  const photo = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2400, 7)]);
  const hostile = '<img src=x onerror="document.title=\'owned\'"> note\u202Efdp.exe';
  const shown = '<img src=x onerror="document.title=\'owned\'"> notefdp.exe';
  await picker.setInputFiles([
    { name: 'rash.jpg', mimeType: 'image/jpeg', buffer: photo },
    { name: hostile, mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%\u00e2\u00e3\n1 0 obj\n<<>>\nendobj\n') },
  ]);
  await page.getByRole('button', { name: 'Remove rash.jpg' }).waitFor();
  await page.getByRole('button', { name: `Remove ${shown}` }).waitFor();
  assert.notEqual(await page.title(), 'owned');
  await page.getByText(/^Draft saved at/).waitFor();
  await screen(page, 'messages-files');

  // Kept by the portal with the draft, not by the browser.
  await page.reload();
  await page.getByRole('button', { name: 'Remove rash.jpg' }).waitFor();
  await page.getByRole('button', { name: `Remove ${shown}` }).click();
  await page.getByRole('button', { name: `Remove ${shown}` }).waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByRole('heading', { level: 1, name: 'A rash on my arm' }).waitFor();
  const id = conversationId(page);
  const link = page.getByRole('link', { name: 'Download rash.jpg (3 KB)' });
  await screen(page, 'messages-files-sent');
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  assert.equal(download.suggestedFilename(), 'rash.jpg');
  assert.deepEqual(fs.readFileSync(await download.path()), photo);
  // Only the photo went; the help desk sees it on the message and saves it.
  const shownToDesk = portal.cli('messages', 'show', id, '--as', 'Jo Bell', '--role', 'Receptionist');
  assert.match(shownToDesk.out, /File (att-\S+): rash\.jpg \(image\/jpeg, 3 KB\)/);
  assert.doesNotMatch(shownToDesk.out, /notefdp/);
});

test('a send that fails keeps every word on screen with why, and goes when tried again', async ({ page }) => {
  await signInAsAnn(page);
  await openInbox(page);
  await writeQuestion(page, { subject: 'Eye clinic letter', body: 'I have not had my eye clinic letter yet.' });
  await page.route('**/api/v1/messages', (route) => route.request().method() === 'POST'
    ? route.fulfill({ status: 500, contentType: 'text/plain', body: 'boom' })
    : route.fallback());
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByRole('alert').filter({ hasText: 'Your message was not sent.' }).waitFor();
  assert.equal(await page.getByLabel('Your message').inputValue(), 'I have not had my eye clinic letter yet.');
  await screen(page, 'messages-send-failed');
  await page.unroute('**/api/v1/messages');
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByRole('heading', { level: 1, name: 'Eye clinic letter' }).waitFor();
});

test('too long is counted as it is typed and refused in words; a closed conversation takes no reply', async ({ page, portal }) => {
  await signInAsAnn(page);
  await openInbox(page);
  await writeQuestion(page, { subject: 'A long story', body: 'x'.repeat(4003) });
  await page.getByText('You have 3 characters too many').waitFor();
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByRole('alert').filter({ hasText: 'Your message is 4,003 characters long' }).waitFor();
  await page.getByLabel('Your message').fill('Shorter now.');
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByRole('heading', { level: 1, name: 'A long story' }).waitFor();
  const id = conversationId(page);
  assert.equal(portal.cli('messages', 'close', id, '--as', 'Tom Reid', '--role', 'Nurse').status, 0);
  await page.reload();
  await page.getByText('The hospital has closed this conversation').waitFor();
  assert.equal(await page.getByLabel('Your reply').count(), 0);
  await screen(page, 'messages-closed');
});

test('hostile subjects and messages are shown as text, within a phone\u2019s width', async ({ page }) => {
  await signInAsAnn(page);
  await openInbox(page);
  const subject = '<img src=x onerror="document.title=\'owned\'">';
  const body = `<script>document.title='owned'</script> ${'W'.repeat(300)} \u202Egpj.exe`;
  await writeQuestion(page, { subject, body });
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByRole('heading', { level: 1, name: subject }).waitFor();
  assert.match(await bodyText(page), /<script>document.title='owned'<\/script>/);
  assert.notEqual(await page.title(), 'owned');
  assert.equal(await page.locator('main img, main script').count(), 0);
  await screen(page, 'messages-hostile');
  await page.getByRole('link', { name: 'Back to messages' }).click();
  await page.getByRole('link', { name: subject }).waitFor();
  await screen(page, 'messages-inbox-hostile');
});

test('"Something wrong with this?" on a record item starts a message already about that item', async ({ page, portal }) => {
  await signInAsAnn(page);
  await openSection(page, 'Health problems');
  const item = page.locator('li.card').filter({ hasText: 'Type 2 diabetes' }).first();
  await item.getByRole('link', { name: /Something wrong with this\? Tell us/ }).click();
  await page.getByRole('heading', { level: 1, name: 'Ask a question' }).waitFor();
  assert.ok(await page.getByLabel('Something wrong in my record', { exact: true }).isChecked());
  assert.match(await bodyText(page), /Your message will be about \u201cType 2 diabetes\u201d in health problems/);
  await screen(page, 'messages-about-item');
  await page.getByLabel('Subject').fill('Diabetes start date');
  await page.getByLabel('Your message').fill('My diabetes was found in 2012, not the year shown.');
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByRole('heading', { level: 1, name: 'Diabetes start date' }).waitFor();
  const id = conversationId(page);
  assert.match(await bodyText(page), /This conversation is about \u201cType 2 diabetes\u201d in health problems/);
  await page.getByRole('link', { name: 'See that part of the record' }).click();
  await page.getByRole('heading', { level: 1, name: 'Health problems' }).waitFor();
  const shown = portal.cli('messages', 'show', id, '--as', 'Jo Bell', '--role', 'Medical records officer');
  assert.match(shown.out, /About Condition\//);
});

test('someone acting for a patient writes for them; the patient sees who wrote it; the proxy sees only their own', async ({ page, context, portal }) => {
  const browser = context.browser();
  await signInAs(page, 'ben');
  await actFor(page, 'Ann Margaret Carter');
  await page.getByRole('banner').getByRole('link', { name: /^Messages/ }).click();
  await page.getByRole('heading', { level: 1, name: 'Ann Margaret Carter\u2019s messages' }).waitFor();
  assert.match(await bodyText(page), /You can see only the messages you have sent for Ann Margaret Carter/);
  assert.doesNotMatch(await bodyText(page), /Fasting before my blood test|Ramipril/);
  await screen(page, 'messages-proxy-inbox');
  await writeQuestion(page, { topic: 'An appointment', subject: 'Lift to Friday\u2019s appointment', body: 'I will bring Ann on Friday. Is there parking near the eye clinic?' });
  assert.match(await bodyText(page), /You are writing for Ann Margaret Carter/);
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByRole('heading', { level: 1, name: 'Lift to Friday\u2019s appointment' }).waitFor();
  assert.match(await bodyText(page), /\bYou\b/);

  const ann = await (await browser.newContext({ baseURL: portal.url, locale: 'en-GB', timezoneId: 'Europe/London' })).newPage();
  await signInAsAnn(ann);
  await openInbox(ann);
  await ann.getByRole('link', { name: 'Lift to Friday\u2019s appointment' }).click();
  await ann.getByText('Ben Okafor, for Ann Margaret Carter').waitFor();
  await ann.context().close();
});

test('what a young person writes to their team is private from a parent whose access is narrowed', async ({ page, context, portal }) => {
  const browser = context.browser();
  const added = portal.cli('user', 'add', '--username', 'maya', '--patient', 'demo-maya', '--display-name', 'Maya Hughes', { input: 'carefront-demo\n' });
  assert.equal(added.status, 0, added.out);
  const maya = await (await browser.newContext({ baseURL: portal.url, locale: 'en-GB', timezoneId: 'Europe/London' })).newPage();
  await signInAs(maya, 'maya');
  // Signed in once the record is shown: a move any sooner could meet the terms again.
  await maya.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
  await openInbox(maya);
  await writeQuestion(maya, { topic: 'A medical question for my care team', subject: 'Something private', body: 'Can I talk to someone without my mum there?' });
  await maya.getByRole('button', { name: 'Send message' }).click();
  await maya.getByRole('heading', { level: 1, name: 'Something private' }).waitFor();
  const private_ = conversationId(maya);
  // The school nurse starts a conversation with Maya: she is told of it; her mother never is.
  const started = portal.cli('messages', 'start', '--patient', 'demo-maya', '--topic', 'appointment',
    '--subject', 'Your clinic visit', '--as', 'Amy Lee', '--role', 'School nurse',
    '--text', 'Come and see us on Tuesday. You can come on your own.');
  assert.equal(started.status, 0, started.out);
  await maya.goto('/messages/demo-maya');
  await maya.getByRole('heading', { level: 1, name: 'Your messages' }).waitFor();
  await messagesLink(maya, 1);
  await maya.getByRole('link', { name: 'Your clinic visit' }).click();
  await maya.getByText('Amy Lee, School nurse').waitFor();
  await maya.getByText('You can come on your own.').waitFor();

  await signInAs(page, 'claire');
  await actFor(page, 'Maya Hughes');
  await page.getByRole('banner').getByRole('link', { name: /^Messages/ }).click();
  await page.getByRole('heading', { level: 1, name: 'Maya Hughes\u2019s messages' }).waitFor();
  const inbox = await bodyText(page);
  assert.match(inbox, /Messages Maya Hughes sends to their care team are private to them/);
  assert.doesNotMatch(inbox, /Something private|Your clinic visit/);
  // Not by its address either.
  await page.goto(`/messages/demo-maya/${private_}`);
  await page.getByRole('heading', { level: 1, name: 'Message not found' }).waitFor();
  assert.doesNotMatch(await bodyText(page), /without my mum/);
  await maya.context().close();
});
