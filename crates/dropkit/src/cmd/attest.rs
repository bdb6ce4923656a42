//! `dropkit attest verify | keygen`: check a round's attestation offline; make a signing key.

use std::path::PathBuf;
use std::process::ExitCode;

use dropkit_audit::{ChainCheck, FileOutcome, SignatureCheck};

/// Arguments of `dropkit attest`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The `dropkit attest` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Check a round's attestation: its signature, every file digest against the round's
    /// directory, and that its audit head is in an intact audit chain. Exit 0 if all
    /// checks pass, 1 otherwise.
    Verify(VerifyArgs),
    /// Make an Ed25519 key pair for `--sign-key`: FILE (the private key, 0600) and FILE.pub
    /// (the public key, for auditors).
    Keygen(KeygenArgs),
}

/// Arguments of `dropkit attest verify`.
#[derive(Debug, clap::Args)]
pub(crate) struct VerifyArgs {
    /// The attestation (`attestation.json` in a round's directory; the files it names are
    /// looked for next to it).
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,
    /// The signer's public key (PEM, `-----BEGIN PUBLIC KEY-----`): the attestation must be
    /// signed with it. Without it, a signature present is checked against the key it names,
    /// which shows the file is whole but not who signed it.
    #[arg(long, value_name = "FILE")]
    pub(crate) public_key: Option<PathBuf>,
    /// The state directory holding the audit chain (default: the attestation's directory,
    /// or for an archived round `STATE_DIR/rounds/<round>/`, `STATE_DIR`).
    #[arg(long, value_name = "DIR")]
    pub(crate) state_dir: Option<PathBuf>,
}

/// Arguments of `dropkit attest keygen`.
#[derive(Debug, clap::Args)]
pub(crate) struct KeygenArgs {
    /// Where to write the private key (PKCS#8 PEM); the public key goes to FILE.pub. Neither
    /// may exist.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: PathBuf,
}

/// Runs `dropkit attest`.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Verify(args) => verify(args),
        Command::Keygen(args) => keygen(args),
    }
}

fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let check = match dropkit_audit::verify_attestation(
        &args.file,
        args.public_key.as_deref(),
        args.state_dir.as_deref(),
    ) {
        Ok(check) => check,
        Err(e) => {
            eprintln!("dropkit: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let a = &check.attestation;
    let round = a
        .download
        .as_ref()
        .map_or("(no download)", |d| d.name.trim_end_matches(".zip"));
    say!(
        "{}: round {round}, made {}, audit head {}",
        args.file.display(),
        a.created_at,
        a.audit_head
    )?;
    match &check.signature {
        SignatureCheck::Unsigned => say!("signature: none (unsigned; digests checked only)")?,
        SignatureCheck::Valid {
            public_key,
            trusted: true,
        } => say!("signature: valid, by the public key given ({public_key})")?,
        SignatureCheck::Valid { public_key, .. } => say!(
            "signature: valid for the key it names ({public_key}); pass --public-key to check \
             who signed"
        )?,
        SignatureCheck::Invalid { reason } => say!("signature: INVALID: {reason}")?,
        _ => say!("signature: {:?}", check.signature)?,
    }
    for file in &check.files {
        let path = file.path.display();
        match &file.outcome {
            FileOutcome::Matches => say!("ok       {path}")?,
            FileOutcome::Differs { found } => say!(
                "CHANGED  {path}: SHA-256 {found}, attested {}",
                file.expected
            )?,
            FileOutcome::Missing => say!("MISSING  {path}")?,
            FileOutcome::NotAPlainName => say!("REFUSED  {:?}: not a plain file name", file.name)?,
            _ => say!("?        {path}")?,
        }
    }
    match &check.chain {
        ChainCheck::Found { path, lines } => say!(
            "audit chain: intact, head at line {} of {} ({lines} lines)",
            a.audit_head.seq,
            path.display()
        )?,
        ChainCheck::Missing { path } => say!("audit chain: MISSING at {}", path.display())?,
        ChainCheck::Broken { message, .. } => say!("audit chain: BROKEN: {message}")?,
        _ => say!("audit chain: {:?}", check.chain)?,
    }
    if check.is_valid() {
        say!("verified")?;
        Ok(ExitCode::SUCCESS)
    } else {
        let problems = check.problems();
        eprintln!(
            "dropkit: the attestation does not verify: {} problem{}",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        );
        for problem in problems {
            eprintln!("  {problem}");
        }
        Ok(ExitCode::from(1))
    }
}

fn keygen(args: KeygenArgs) -> anyhow::Result<ExitCode> {
    match dropkit_audit::generate_key_pair(&args.out) {
        Ok(files) => {
            say!(
                "private key: {} (keep it secret; `dropkit cycle --sign-key {}`)",
                files.private.display(),
                files.private.display()
            )?;
            say!(
                "public key:  {} (for auditors: `dropkit attest verify --public-key`)",
                files.public.display()
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("dropkit: {e}");
            Ok(ExitCode::from(1))
        }
    }
}
