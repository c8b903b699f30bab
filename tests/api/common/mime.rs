//! An independent reading of a message: Python's `email` package (its modern policy), run on
//! the raw bytes the SMTP sink received, answers what a mail reader would show.

use serde_json::Value;

const READER: &str = r#"
import email, json, sys
from email import policy

raw = sys.stdin.buffer.read()
msg = email.message_from_bytes(raw, policy=policy.default)

def body(kind):
    part = msg.get_body(preferencelist=(kind,))
    return None if part is None else part.get_content()

defects = [type(d).__name__ for part in msg.walk() for d in part.defects]
def header(name):
    value = msg[name]
    return None if value is None else str(value)

print(json.dumps({
    "subject": header("subject"),
    "from": header("from"),
    "to": header("to"),
    "toAddress": msg["to"].addresses[0].addr_spec if msg["to"] else None,
    "toName": msg["to"].addresses[0].display_name if msg["to"] else None,
    "messageId": header("message-id"),
    "date": header("date"),
    "autoSubmitted": header("auto-submitted"),
    "listUnsubscribe": header("list-unsubscribe"),
    "listUnsubscribePost": header("list-unsubscribe-post"),
    "contentType": msg.get_content_type(),
    "parts": [part.get_content_type() for part in msg.walk()],
    "charsets": [part.get_content_charset() for part in msg.walk() if not part.is_multipart()],
    "defects": defects,
    "headerNames": [name.lower() for name in msg.keys()],
    "text": body("plain"),
    "html": body("html"),
}))
"#;

/// The message `raw` as Python's `email` package reads it.
pub fn parse(raw: &[u8]) -> Value {
    use std::io::Write;
    let mut child = std::process::Command::new("python3")
        .arg("-c")
        .arg(READER)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs (the independent MIME reader)");
    child
        .stdin
        .take()
        .expect("a stdin")
        .write_all(raw)
        .expect("the message is written to python3");
    let out = child.wait_with_output().expect("python3 ends");
    assert!(
        out.status.success(),
        "python3 could not read the message: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("python3 prints JSON")
}
