//! `throwaway-postgres`: starts a cluster, prints its address (`postgres://carefront@127.0.0.1:PORT/`)
//! and then obeys its standard input: `stop` (answers `stopped`) and `start` (answers `ready`).
//! When standard input closes, the cluster and its folder go. The browser tests run it.

use std::io::BufRead;

fn main() -> std::io::Result<()> {
    let cluster = throwaway_postgres::Cluster::start()?;
    println!("{}", cluster.url(""));
    for command in std::io::stdin().lock().lines() {
        match command?.trim() {
            "stop" => cluster.stop_server().map(|()| println!("stopped"))?,
            "start" => cluster.start_server().map(|()| println!("ready"))?,
            other => eprintln!("throwaway-postgres: unknown command {other:?} (stop or start)"),
        }
    }
    Ok(())
}
