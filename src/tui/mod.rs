//! The terminal interface (being built in this session).

pub fn run(_settings: &crate::cli::Settings, _screen: Option<&str>) -> anyhow::Result<()> {
    anyhow::bail!("the terminal interface is not built yet")
}
