//! End to end over a real socket: the router served on 127.0.0.1:0 and spoken to
//! with plain HTTP/1.1 (a few lines over a `TcpStream`, no client crate), so the
//! listener, connection info (the client address in the audit trail) and headers
//! are exercised as a browser would.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wenxun::store::users::Role;

use super::web_support::{PASSWORD, form_body, serve_on_socket, test_app};

async fn http(addr: SocketAddr, request: String) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(request.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.expect("read");
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

fn get(path: &str, extra: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{extra}\r\n")
}

#[tokio::test]
async fn the_server_answers_over_tcp() {
    let t = test_app().await;
    t.user("tcp", Role::Reviewer).await;
    let uid = wenxun::store::users::by_name(&t.app.store, "tcp")
        .await
        .unwrap()
        .unwrap()
        .id;
    let token = t.token(uid).await;
    let (addr, server) = serve_on_socket(&t.app).await;

    let (status, _, body) = http(addr, get("/login", "")).await;
    assert_eq!(status, 200);
    assert!(body.contains("登录"));

    let form = form_body(&[("name", "tcp"), ("password", PASSWORD)]);
    let req = format!(
        "POST /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    );
    let (status, head, _) = http(addr, req).await;
    assert_eq!(status, 303, "{head}");
    let cookie = head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .expect("session cookie")
        .to_string();
    let (status, _, body) = http(addr, get("/meetings", &format!("Cookie: {cookie}\r\n"))).await;
    assert_eq!(status, 200);
    assert!(body.contains("新建会议"));

    let (status, _, body) = http(
        addr,
        get(
            "/api/v1/stats",
            &format!("Authorization: Bearer {token}\r\n"),
        ),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("\"raised\""), "{body}");

    // The login was audited with the client's real address.
    let rows = wenxun::store::audit::list(
        &t.app.store,
        &wenxun::store::audit::Filter {
            action: "login".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(
        rows[0]
            .after_json
            .as_deref()
            .unwrap_or("")
            .contains("127.0.0.1")
    );
    server.abort();
}

#[test]
fn user_commands_manage_accounts_in_the_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_string_lossy().into_owned();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_wenxun"))
            .args(args)
            .args(["--data-dir", &data])
            .output()
            .expect("run wenxun");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, out, err) = run(&["user", "add", "zhao", "--role", "reviewer"]);
    assert!(ok, "{err}");
    assert!(out.contains("一次性密码"), "{out}");
    let (ok, token, _) = run(&["user", "token", "zhao"]);
    assert!(ok);
    let token = token.trim().to_string();
    assert_eq!(token.len(), 64);
    let (_, list, _) = run(&["user", "list"]);
    assert!(list.contains("zhao") && list.contains("reviewer") && list.contains("待修改初始密码"));
    let (ok, _, err) = run(&["user", "add", "zhao", "--role", "viewer"]);
    assert!(!ok && err.contains("已存在"), "{err}");
    let (ok, _, _) = run(&["user", "disable", "zhao"]);
    assert!(ok);
    let (_, list, _) = run(&["user", "list"]);
    assert!(list.contains("已停用"));
    let (ok, _, err) = run(&["user", "token", "nobody"]);
    assert!(!ok && err.contains("没有用户"));
    // Only the token's hash is stored.
    let db = std::fs::read(dir.path().join("wenxun.sqlite3")).unwrap();
    let wal = std::fs::read(dir.path().join("wenxun.sqlite3-wal")).unwrap_or_default();
    let needle = token.as_bytes();
    assert!(!db.windows(needle.len()).any(|w| w == needle));
    assert!(!wal.windows(needle.len()).any(|w| w == needle));
}
