"""Phrase tables: the wording well-known receivers use for each reason.

Data only.  Each entry is ``(reason, patterns)``; the patterns are regular-expression
fragments matched against lower-cased, whitespace-collapsed diagnostic text.  The table is
ordered: the first reason with a matching pattern wins, so more specific causes (auth
failures, blocklists, quota) come before broad ones ("rejected", "user unknown").
Sources: RFC 5321/3463 reply texts and the public bounce wording of Postfix, Sendmail, Exim,
qmail, Courier, Exchange/Office 365, Gmail, Yahoo, AOL, Outlook.com, Apple, Zoho, Mimecast,
Proofpoint, Barracuda, Spamhaus and other blocklists, as seen in their documentation.
"""

from __future__ import annotations

from typing import Final

from domain.vocabulary import Reason

PHRASES: Final[tuple[tuple[Reason, tuple[str, ...]], ...]] = (
    # Explicit causal statements ("rejected due to spam", "for policy reasons") come first:
    # the receiver names its reason, so advice or context mentioned later in the same text
    # ("set up SPF records", "mail from <x> rejected") must not win over it.
    (
        Reason.SPAMDETECTED,
        (r"(?:rejected|refused|blocked) (?:due to|because of|as) (?:suspected )?spam\b",),
    ),
    (
        Reason.POLICYVIOLATION,
        (
            r"(?:rejected|refused|denied|not accepted) (?:for|due to) (?:local |content )?"
            r"polic(?:y|ies)(?: reasons)?",
            # Gmail: "This message was blocked because its content presents a potential
            # security issue": the message is refused, not the sending host
            r"message (?:was |has been )?blocked because (?:its|the) content",
        ),
    ),
    (
        # Gmail: "unusual rate of unsolicited mail originating from your SPF domain / IP":
        # the sender's reputation, whatever authentication the sentence names
        Reason.BADREPUTATION,
        (r"unusual rate of unsolicited mail",),
    ),
    (
        # "Client host [IP] blocked using <list>" (Postfix's documented RBL reply, used by
        # many receivers): a DNS block list named as the cause, whatever else the reply
        # links to (Barracuda's ".../reputation/?ip=" page)
        Reason.BLOCKED,
        (r"\bblocked using\b",),
    ),
    (
        Reason.REJECTED,
        (
            # Google Groups refusing a post (non-member, no permission, or no such group);
            # every translation of the notice links the same help page
            r"groups\.google\.com/support",
            # Gmail refusing to relay for a "Send mail as" alias whose own SMTP settings
            # fail: the envelope sender cannot be used (help page p=CustomFromDenied)
            r"customfromdenied",
            r"'send mail as' (?:account|feature|settings?)",
        ),
    ),
    (
        Reason.REQUIREPTR,
        (
            # reverse DNS, in its spellings and abbreviations (Comcast: "Reverse DNS failure")
            r"\breverse (?:dns|lookup|hostname|ip)|\b(?:no |invalid |missing )?rdns\b",
            r"\bptr\b",
            # the connecting host's name and address do not confirm each other (the
            # forward-confirmed reverse DNS check, not SPF/DKIM): one statement in its
            # spellings.  Postfix answers every failure of the check, a name that does not
            # resolve back to the client's IP included, "cannot find your hostname"
            # (postconf(5), reject_unknown_client_hostname); others say "hostname does not
            # resolve", "domain [x] mismatches client ip", "unverifiable sending IPs - <name>
            # is not <ip>"
            r"cannot find your hostname|\bhostname .{0,40}(?:does not|doesn't) resolve|"
            r"domain .{0,80}? mismatches client ip|unverif(?:y|i)able sending ip",
            r"cannot resolve your (?:address|hostname)",
            r"client host .{0,80}? ?(?:rejected|refused)"
            r".{0,80}?(?:cannot find your|hostname|reverse)",
            r"without a valid sender domain",
            r"(?:ip|address) (?:name )?lookup failed",
            r"unresolvable (?:relay )?host ?name",
            r"not have a valid ptr",
            r"fix reverse dns",
            r"dns (?:lookup|check) failed for (?:your )?(?:ip|client)",
        ),
    ),
    (
        Reason.AUTHFAILURE,
        (
            r"\bspf\b",
            r"\bdkim\b",
            r"\bdmarc\b",
            r"sender policy framework",
            r"is not allowed to send (?:mail )?from",
            r"not permitted to send (?:mail )?(?:on behalf|from)",
            r"\bauthentication (?:check|results?) failed",
            r"failed (?:the )?(?:sender )?authentication",
            # the message or its sender is not authenticated (Gmail: "Unauthenticated email
            # from x is not accepted due to domain's DMARC policy", "This mail is
            # unauthenticated"; Yahoo: "the sender is unauthenticated")
            r"\bunauthenticated (?:e-?mail|mail|messages?)\b|"
            r"(?:mail|message|sender) is unauthenticated",
            r"email authentication",
            r"(?:fails?|failed) to pass (?:the )?authentication",
            r"does not have authentication information",
            r"not authorized to send on behalf",
            # the sending server is not one the sender's domain authorises: SPF's statement
            # without its name (a host's FAQ: "you are not using a server that is authorized
            # to send mail from your domain")
            r"authori[sz]ed to send (?:e-?mail |mail )?(?:from|for) (?:your|the|this|that) "
            r"(?:sender'?s? )?domain",
        ),
    ),
    (
        Reason.BADREPUTATION,
        (
            r"\breputation\b",
            r"\bsender score\b",
            r"ip (?:address )?has a poor",
            r"low reputation",
            r"\buser complaints\b",
        ),
    ),
    (
        Reason.VIRUSDETECTED,
        (
            r"\bvirus(?:es)?\b",
            r"\bmalware\b",
            r"\binfected\b",
            r"\btrojan\b",
            r"\bworm\b",
            # the message carries something dangerous, in its spellings (Broadcom's list of
            # receivers' refusals: "Message contained unsafe content (Heuristics.Phishing...)")
            r"(?:harmful|unsafe|malicious) (?:content|attachment)",
        ),
    ),
    (
        Reason.BLOCKED,
        (
            r"client host .{0,60}?(?:blocked|rejected|refused)",
            r"(?:source )?ip (?:address )?(?:source )?(?:is |has been )?(?:blocked|bloqu)",
            r"\binvalid ip\b",
            # the sending IP is not on the receiver's allow list (Gmail: "IP not in whitelist
            # for RCPT domain"; appliances: "client not in allowlist")
            r"(?:ip|host|client|sender) .{0,20}?not (?:in|on) (?:the |my |our )?"
            r"(?:white|allow|permit) ?list",
            # the receiver wants mail through the sender's provider, not from this host
            # (Gmail: "not authorized to send email directly to our servers. Please use the
            # SMTP relay at your service provider"; Exim sites: "use the smtp server of your
            # ISP"; Comcast: "Please use your ISP's mail server")
            r"not authori[sz]ed to send (?:e-?mail|mail|messages) directly",
            r"use (?:the )?(?:smtp|mail) (?:server|relay) (?:of|at|from) your "
            r"(?:isp|(?:internet |service |e-?mail )?provider)",
            r"use your (?:isp|(?:internet |service )?provider)'?s? (?:smtp|mail|outgoing)",
            # dynamic or residential address space (Comcast ES000001/ES000010)
            r"(?:dynamic|residential)(?:/(?:dynamic|residential))? (?:ip )?(?:space|range|pool)",
            # the receiver lists the *sending* server as an open relay (a reputation
            # refusal of our host); "relaying denied" to us is norelaying, below
            r"(?:server|host|ip|which) .{0,60}?(?:is|as) an open relay",
        ),
    ),
    (
        Reason.SPAMDETECTED,
        (
            r"\bspam\b(?! ?(?:house|haus|cop|rats))",
            # NetEase (163.com, 126.com): "554 DT:SPM ..." is its spam verdict
            r"\bdt:spm\b",
            r"\bjunk (?:mail|e-?mail)\b",
            r"\bube\b",
            r"\buce\b",
            r"\bbulk (?:mail|e-?mail)\b",
            r"unsolicited",
            r"content (?:was )?(?:rejected|refused) .{0,40}(?:spam|bulk)",
            r"message (?:content )?(?:rejected|refused) as spam",
            r"classified as (?:spam|bulk)",
            r"considered (?:as )?(?:spam|unsolicited)",
            r"appears to be (?:spam|unsolicited)",
            r"high probability of being spam",
            r"scored too high",
            r"spam ?score",
            r"suspicious(?: content| message)?",
        ),
    ),
    (
        Reason.SECURITYERROR,
        (
            # the client must authenticate (Microsoft 365: "Client not authenticated to send
            # mail"; MessageLabs: "turn on SMTP Authentication ... without authentication")
            r"\bauthentication (?:is )?required|\bauthrequired\b|must (?:be )?authenticat|"
            r"\b(?:client|sender|you) (?:was |were |are |is )?not authenticated|"
            r"turn on smtp authentication|without (?:smtp )?authentication",
            r"\bsecurity policy\b",
            r"\btls\b.{0,40}?(?:required|needed)",
            # Postfix/Sendmail: "530 5.7.0 Must issue a STARTTLS command first"; OpenSMTPD:
            # "530 Must issue an AUTH command first"
            r"must issue an? (?:starttls|auth) command",
            r"encryption (?:required|needed)",
            r"\bsmtp auth\b",
        ),
    ),
    (
        Reason.NORELAYING,
        (
            r"relay(?:ing)? (?:access )?(?:denied|not (?:permitted|allowed)|prohibited|refused)",
            r"(?:not|isn't) (?:permitted|allowed) to relay",
            # qmail: "sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)"
            r"(?:not|isn't) in my list of allowed rcpthosts",
            # the recipient's domain is not one this server accepts mail for, in both word
            # orders (InterScan: "550 domain of forward path is not allowed", the forward path
            # being RFC 5321's name for the recipient)
            r"(?:recipient'?s?|rcpt|forward[- ]path) domain .{0,20}?not (?:allowed|permitted|"
            r"accepted)|domain of (?:the )?(?:recipient|forward[- ]path) .{0,20}?not (?:allowed|"
            r"permitted|accepted)",
            r"unable to relay",
            r"we do not relay",
            r"relay not permitted",
            r"no relaying",
            r"not (?:a )?(?:gateway|local)",
            r"relaying denied",
            r"open relay",
            r"email address is not verified",
        ),
    ),
    (
        # the recipient's mailbox holds too many messages (web.de: "User has too many
        # messages on the server"): its storage, not our sending rate, before the rate
        # wording below ("too many messages")
        Reason.MAILBOXFULL,
        (r"(?:user|mailbox|recipient|account) has too many (?:messages|mails|e-?mails)",),
    ),
    (
        Reason.TOOMANYCONN,
        (
            # Gmail: "The user you are trying to contact is receiving mail at a rate that
            # prevents additional messages from being delivered": a rate limit (retry later)
            r"receiving mail at a rate",
            # Gmail: "The user you are trying to contact is receiving mail too quickly"
            r"(?:receiving|sending) (?:mail|messages|e-?mail) too (?:quickly|fast)",
            r"too many (?:connections|concurrent|sessions|simultaneous|smtp sessions)",
            r"connection (?:limit|rate)",
            r"too many recipients",
            r"(?:rate|frequency) limit",
            # "rate limit", "rate-limited", "ratelimit exceeded" (Selectel)
            r"rate[- ]?limit(?:ed|ing)?",
            # a cap on concurrent work for the recipient or client (Exchange Online:
            # "STOREDRV.Deliver; recipient thread limit exceeded", throttling by design)
            r"\b(?:thread|concurrency) limit",
            r"too many (?:messages|emails|mails)",
            r"too (?:much|many) (?:mail|messages|email)",
            # "sending rate", "send rate" (a relay service: "Hourly send rate exceeded")
            r"send(?:ing)? (?:rate|frequency)",
            r"exceeded (?:the )?(?:maximum )?(?:number of )?(?:connections|messages|rate)",
            r"throttl",
            # iCloud: "Messages to x deferred due to excessive volume. Try again later"
            r"\bexcessive (?:volume|rate|number of (?:messages|mails|connections))",
            r"try (?:again )?later.{0,40}(?:too many|rate)",
            r"\bslow down\b",
            r"mail flood",
            r"(?:daily|hourly|sending|relay) (?:quota|limit)",
            r"too many recipients (?:this|per|in)",
        ),
    ),
    (
        Reason.BLOCKED,
        (
            # listed on a block list, whatever the list is called
            r"\b(?:block|black|deny) ?list(?:ed)?\b",
            r"\bblock(?:ed|ing)\b",
            r"\b(?:dnsbl|rbl|dnsrbl|rhsbl|uribl|surbl|spamhaus|spamcop|barracudacentral|sorbs|"
            r"spews|dsbl|njabl|abuseat|mailspike|senderbase)\b",
            r"(?<!not )\blisted (?:at|in|on|by)\b",
            r"\bconnection (?:refused|rejected|denied)\b(?!.{0,20}\bfrom remote)",
            r"client host .{0,80}?(?:rejected|refused|blocked)",
            r"\bdenied (?:access|connection)",
            r"(?:ip|host|client|address) .{0,40}?(?:is|has been) (?:banned|blocked|blacklisted|"
            r"rejected|refused|denied)",
            r"your (?:ip|host|server|network) .{0,60}?"
            r"(?:banned|blocked|blacklisted|rejected|refused|"
            r"not (?:allowed|permitted|accepted))",
            r"not (?:allowed|permitted) to (?:connect|relay|send)",
            r"connections? (?:not accepted|refused|rejected) from",
            r"(?:traffic|mail|messages?) (?:is |are )?not accepted from (?:this|your) (?:ip|host)",
            # Outlook.com/Hotmail: "Unfortunately, messages from [IP] weren't sent. Please
            # contact your Internet service provider ..." (SC-001, DY-001, OU-002, S3150)
            # Yahoo: "[TS03] All messages from [IP] permanently deferred" (help article
            # SLN3436), "[TSS09] All messages from [IP] will be permanently deferred": every
            # message from the sending host is refused, the same statement as Outlook.com's
            r"messages from .{1,60}? weren'?t sent|"
            r"all messages from .{1,60}? (?:will be )?permanently (?:deferred|refused|rejected)",
            # T-Online refusing the sending IP: "554 IP=192.0.2.1 - A problem occurred. (Ask
            # your postmaster for help or to contact tosa@rx.t-online.de to clarify.)"
            r"- a problem occurred\. \(ask your postmaster",
            r"dynamically[- ]assigned (?:ip|address)",
            # AOL's refusal of the sending IP ("521 5.2.1 : AOL will not accept delivery of
            # this message"), worded as if it were about the message
            r"will not accept delivery of this message",
            r"(?:dynamic|residential|dial-?up|consumer) (?:ip|address|pool|range|host)",
            r"(?:ip|address) (?:is|appears to be) (?:a )?dynamic",
            r"\bdyn(?:amic)?ip\b",
            r"\bpoor ip\b",
            r"mail ?(?:server|host) .{0,40}?(?:blocked|refused)",
            r"has been temporarily (?:rate limited|deferred) due to",
            r"\bbanned\b(?! (?:attachment|file|content|extension))",
            r"\bban(?:ned)? (?:ip|list)\b",
            r"\bdenied\b.{0,20}\bip\b",
            r"\brejected\b.{0,60}\b(?:your )?ip\b",
            r"\bhelo\b.{0,60}?(?:rejected|refused|invalid)",
            r"bad (?:helo|ehlo)",
            r"refused to talk to me",
            r"invalid (?:helo|ehlo)",
        ),
    ),
    (
        # "Sender address rejected: <why>" (Postfix, Exchange, Yahoo's [MAIL_FROM]): the
        # envelope sender is refused, whatever the why ("Domain not found", "Access
        # denied"); sender-side causes that say more (SPF, blocklists, ...) come earlier
        Reason.REJECTED,
        (r"\bsender (?:address |domain )?(?:rejected|refused|denied)",),
    ),
    (
        # Exchange Online's Directory-Based Edge Blocking: "550 5.4.1 Recipient address
        # rejected: Access denied. AS(201806281)" means the address is not in the
        # recipient organisation's directory (Microsoft's NDR 5.4.1 documentation); it must
        # not read as the bare "access denied" below
        Reason.USERUNKNOWN,
        (r"recipient address rejected: access denied",),
    ),
    (
        # "Access denied" alone: the receiver's access control refused the transaction
        # without naming a cause (RFC 3463 X.7.1 "delivery not authorized").  Placed after
        # the relay and blocklist wording ("relay access denied", "access denied, banned
        # sending IP"); before RCPT TO it is the sender or the client that is refused
        # (message._data_stage).
        Reason.SECURITYERROR,
        (r"\baccess denied\b",),
    ),
    (
        Reason.SYSTEMFULL,
        (
            r"(?:disk|file ?system|system|server|storage) (?:is )?"
            r"(?:full|out of (?:space|storage))",
            # RFC 5321 452 "insufficient system storage"; "insufficient disk space"
            r"insufficient (?:system |disk |storage )?(?:storage|space)",
            r"no space left",
        ),
    ),
    (
        Reason.MAILBOXFULL,
        (
            # localised notices (German, French, Spanish, Portuguese, Italian, Dutch)
            r"postfach (?:ist )?(?:voll|überfüllt)|speicherplatz .{0,30}überschritten",
            r"bo[iî]te (?:aux lettres |de r[ée]ception )?(?:est )?pleine",
            r"buz[oó]n (?:est[aá] )?lleno",
            r"caixa (?:postal |de correio )?(?:est[aá] )?cheia",
            r"casella (?:di posta )?(?:è )?piena",
            r"mailbox (?:is )?vol\b",
            # the mailbox's size or storage is exceeded (Yandex: "Mailbox size exceeded"),
            # before the message-size wording ("size exceeded") of mesgtoobig
            r"mail ?box (?:size|storage|space) (?:limit )?(?:exceeded|reached)",
            r"mail ?box (?:is |was )?(?:full|over ?quota|over (?:the )?(?:storage|size) limit|"
            r"exceeds|exceeded|size limit exceeded|has exceeded)",
            r"\bover ?quota\b",
            r"\bquota (?:exceeded|exceed|full|violation|limit)",
            r"(?:exceeded|exceeds|exceeding) (?:the |his |her |its )?(?:storage|disk|mailbox|"
            r"quota)",
            r"(?:in|mail|user)(?:'s)? ?(?:box|folder) (?:is )?full\b",
            r"insufficient quota",
            r"\bdisk (?:quota|full)\b",
            r"(?<!relay )(?<!sending )(?<!daily )\bquota\b",
            r"not enough (?:storage|space)",
            r"storage (?:limit|space|full|quota)",
            r"user has (?:too many|exceeded)",
            r"(?:account|mailbox|user) (?:is )?(?:over|full)",
            r"\bfull mailbox\b",
            r"account has exceeded",
        ),
    ),
    (
        Reason.EXCEEDLIMIT,
        (
            r"message (?:size )?(?:exceeds|exceeded|too large for) .{0,40}(?:this |the )?recipient",
            r"recip(?:ient)?sizelimit",
            r"exceeds (?:the )?recipient'?s? (?:size|message)",
            r"message (?:length|size) exceeds administrative limit",
        ),
    ),
    (
        Reason.MESGTOOBIG,
        (
            r"message (?:is )?too (?:large|big)",
            r"\btoo (?:large|big)\b",
            r"(?:message|mail) (?:size|length) (?:exceeds|exceeded|limit|too)",
            r"size (?:limit|exceeds|exceeded)",
            r"exceeds (?:the )?(?:maximum|max|fixed|size) (?:message )?(?:size|limit)",
            r"message size \d+ exceeds",
            r"larger than (?:the )?(?:maximum|allowed|limit)",
        ),
    ),
    (
        Reason.HASMOVED,
        (
            r"\bhas moved\b",
            r"no longer (?:on server|active|valid|available|in use|with us|here|at this)",
            r"address (?:has )?changed",
            r"no forwarding address",
        ),
    ),
    (
        Reason.SUSPEND,
        (
            r"\b(?:mail ?box|account|user|address|recipient)\b.{0,40}?\b(?:is |has been |was )?"
            r"(?:disabled|suspended|deactivated|inactive|locked|frozen|blocked by the user|"
            r"temporarily unavailable|not active|expired|closed|terminated|unavailable for)",
            r"\b(?:disabled|suspended|inactive|deactivated|expired|locked|closed|frozen) "
            r"(?:mail ?box|account|user|recipient|e-?mail)",
            r"\baccount ?disabled\b",
            r"\btemporar(?:y|ily) locked\b",
            r"\bmailbox (?:is )?currently (?:suspended|disabled|unavailable)",
            r"\bauthor(?:ization)? suspended",
            r"recipient (?:is )?(?:suspended|inactive|disabled)",
        ),
    ),
    (
        Reason.EXPIRED,
        (
            r"\bretry (?:time|timeout|period) (?:exceeded|expired|reached)",
            # the message's queue lifetime ran out (RFC 3463 X.4.7 "delivery time expired";
            # OpenSMTPD "Envelope expired")
            r"\b(?:message|envelope|delivery)(?: time)? (?:has )?expired\b",
        ),
    ),
    (
        Reason.NETWORKERROR,
        (
            r"not found, try again",
            r"name service error.{0,80}try again",
        ),
    ),
    (
        Reason.HOSTUNKNOWN,
        (
            r"host (?:or domain )?(?:name )?(?:not found|unknown|lookup failed)",
            # the recipient's domain does not exist (Gmail: "We weren't able to find the
            # recipient domain"; Courier: "No such domain"; OpenSMTPD: "Domain does not exist")
            # (lookbehinds after the word, not before it: a leading lookbehind makes the
            # regex engine test every position of the text)
            r"(?:domain(?<!sender domain)(?<!sender's domain)|host(?<!sender host)) (?:name )?"
            r"(?:does not|doesn't|did not) (?:exist|resolve)|"
            r"[a-z0-9]\.[a-z]{2,24} (?:does not|doesn't) exist|"
            r"\bno such (?:domain|host)\b|"
            r"(?:could ?n[o']t|unable to|(?:was|were)(?: not|n't) able to) find the "
            r"(?:recipient'?s? |destination )?domain",
            r"\bunknown (?:domain|host)\b",
            # Exim spells it "Unrouteable address": no router could route it (no mail host)
            r"\bunroute?able (?:mail )?(?:domain|address)\b",
            r"(?:domain|host) (?:is )?(?:not (?:found|known|resolvable)|unknown|"
            r"unreachable|invalid)",
            r"\bnxdomain\b",
            r"name service error",
            r"\bmx (?:record )?(?:not found|lookup failed)",
            r"recipient domain .{0,40}?(?:not exist|invalid|unknown)",
            r"domain (?:name )?not (?:found|exist)",
            r"invalid domain",
            r"\bno route to host\b(?!.{0,10}connect)",
            r"unable to route",
            r"domain is not reachable",
            r"domain .{0,40}? (?:is )?not (?:hosted|handled|served) here",
        ),
    ),
    (
        Reason.NOTACCEPT,
        (
            # the destination accepts no mail at all (RFC 7504 "Host/Domain does not accept
            # mail", RFC 7505 null MX, an MX or SRV record "indicated no SMTP service")
            # (not "does not accept mail from <sender>": that is a refusal of us)
            r"does not accept (?:any )?(?:e-?)?mail(?! from)|"
            r"not accepting (?:any )?(?:e-?)?mail(?! from)|"
            r"accepts no mail|\bnull mx\b|indicated no smtp service",
            # the domain exists but names no mail host (no MX, no address)
            r"\bno mx\b",
            r"(?:could ?n[o']t|can ?n[o']t|unable to) find (?:a |any )?mail exchanger",
        ),
    ),
    (
        Reason.REJECTED,
        (
            r"sender (?:address |domain )?(?:rejected|refused|denied|blocked|invalid|not allowed|"
            r"unknown|verify failed|verification failed|not (?:accepted|verified))",
            r"(?:domain|address) of sender .{0,40}?(?:does not|doesn't) (?:exist|resolve)",
            r"sender (?:domain )?(?:must|should) (?:exist|resolve)",
            r"sender'?s? (?:address |domain )?(?:does not|doesn't) (?:exist|resolve)",
            # Microsoft 365 5.1.8 "Access denied, bad outbound sender"
            r"\bbad (?:outbound )?sender\b",
            r"(?:unknown|invalid|bad|unverified|unroutable) sender",
            # a list or group refuses the sender's post (not a member, no permission):
            # one statement in the spellings of Google Groups ("you may not have permission
            # to post"), Mailman ("You are not allowed to post to this mailing list"), fml
            # ("You are not a member of this mailing list") and others
            r"(?:do not|don't|may not) have (?:the )?permissions? to (?:post|send)|"
            r"(?:you are|sender is) not (?:a )?member|"
            r"(?:you are|sender is) not allowed to post|"
            r"only (?:list )?members (?:can|may) (?:post|send)",
            r"\bmail from\b.{0,40}?(?:rejected|refused|denied|not allowed)",
            r"\breturn[- ]path\b.{0,40}?(?:rejected|invalid|not)",
            r"envelope (?:sender|from) .{0,40}?(?:rejected|refused|invalid)",
            # the envelope sender is on the receiver's list of refused senders (qmail-smtpd:
            # "sorry, your envelope sender is in my badmailfrom list")
            r"\bsender\b.{0,20}? (?:is )?(?:in|on) (?:my|our|the) (?:bad ?mail ?from|bad ?senders?|"
            r"blocked senders?|banned senders?) list",
            r"sender .{0,40}? (?:is )?(?:blacklisted|blocked|denied|rejected|not allowed)",
            r"your (?:e-?mail )?address .{0,40}?(?:rejected|refused|not allowed|blocked)",
            r"from address .{0,40}?(?:rejected|refused|not allowed|blocked)",
        ),
    ),
    (
        Reason.FILTERED,
        (
            # au/KDDI (ezweb.ne.jp) answer "550 : User unknown", the address slot left
            # empty, when the recipient's own reception filter refuses the sender; a
            # mailbox that does not exist is answered "550 <address>: User unknown".
            r"\b5\d\d : ?user unknown\b",
        ),
    ),
    (
        Reason.USERUNKNOWN,
        (
            r"(?:user|mailbox|recipient|address|account|addressee|destination address|"
            r"local part|local-part|e-?mail address|mail ?box name|mailbox id) "
            # the address itself may stand between ("mailbox <x@y> is not valid"); the
            # decision text has it blanked to x@x
            r"(?:<?x@x>? )?(?:name )?(?:is )?(?:unknown|not (?:found|known|exist|existent|valid|"
            r"recogni[sz]ed|listed|available|local|here)|does ?(?:n't|not) exist|invalid|"
            r"unavailable|nonexistent|non-existent|doesn't exist)",
            r"(?:unknown|invalid|nonexistent|non-existent|bad|unrecogni[sz]ed|unverified|"
            r"unroutable|no such) (?:local )?(?:user|mailbox|recipient|address|account|"
            r"addressee|destination|e-?mail)",
            r"no such (?:user|mailbox|recipient|address|account|person|local user)",
            r"check (?:if|that|whether) (?:the )?(?:e-?mail )?address is (?:correct|valid)",
            # the receiver's directory marks the address invalid (Spambrella: "Recipient
            # address rejected: User email address is marked as invalid")
            # (the recipient's or user's, named as such: a sender address marked invalid is
            # the sender's problem)
            r"(?:recipient|user)(?:'s)? (?:e-?mail )?(?:address |mail ?box )?(?:is )?"
            r"(?:marked|flagged) as (?:invalid|non-?existent|unknown)",
            r"address (?:could ?n[o']t|can ?n[o']t|was not) (?:be )?found",
            r"\bno mailbox\b",
            r"\bnot (?:a )?valid (?:user|recipient|mailbox|address)",
            r"not our customer",
            r"\buser (?:doesn't|does not) have (?:a|an) \S+ account",
            r"recipnotfound",
            r"resolver\.adr\.",
            r"email account that you tried to reach does not exist",
            r"mailbox unavailable",
            r"address unknown",
            # a refused address with no reason given ("Recipient address rejected.", "550
            # Address rejected"); a sender's is matched by the rejected group above, and
            # "Recipient address rejected: <reason>" by the reason
            r"(?<!sender )(?<!from )\baddress rejected\b(?!:)",
            # the address or mailbox is not an active one / no mailbox is available
            r"not an? (?:active|existing) (?:e-?mail )?(?:address|mail ?box|account|user|"
            r"recipient)|no mail ?box (?:available|found|exists)",
            r"(?:user|recipient) not exist",
            # no recipient of the transaction is a deliverable address, in its spellings
            # (Verizon: "No valid recipients"; Yandex: "No correct recipients"); not the
            # protocol's "no recipient specified" (DATA before any accepted RCPT TO, OpenSMTPD),
            # which says nothing about an address
            r"no (?:valid |correct )?recipients?\b(?! (?:specified|given))",
            r"unknown (?:or illegal )?alias",
            r"\bunknown local[- ]part\b",
            r"invalid recipient",
            r"no account by that name",
            r"is not a known user",
            r"unable to find (?:the )?(?:user|recipient|mailbox)",
            # the receiver checked the recipient and it failed (Baruwa: "Recipient
            # verification failed"; Exim: "recipient verify failed"), the counterpart of the
            # sender verification wording of rejected
            r"recipient (?:address )?(?:verify|verification) failed",
            # a statement, not a guess: "the group may not exist, or you may not have
            # permission" says nothing certain about the address
            r"(?<!may )(?<!might )(?<!could )(?<!possibly )(?:does not|doesn'?t) exist",
            # the address is missing from the receiver's directory (Domino: "not listed in
            # Domino Directory" / "public Name & Address Book")
            r"not (?:listed|found|present) in (?:the |our )?(?:[\w&]+ ){0,3}"
            r"(?:directory|address book)",
            r"no such (?:local )?(?:user|address)",
            r"unknown user",
            # localised notices: "user / recipient unknown" in German, French, Spanish,
            # Portuguese, Italian, Dutch
            r"(?:benutzer|empf[äa]nger|adresse|mailbox|postfach) (?:ist )?unbekannt",
            r"unbekannte[rs]? (?:benutzer|empf[äa]nger|adresse)",
            r"(?:utilisateur|destinataire|adresse) inconnu",
            r"(?:usuario|destinatario) (?:es )?desconocido",
            r"(?:usu[aá]rio|destinat[aá]rio) desconhecido",
            r"(?:utente|destinatario) (?:è )?sconosciuto",
            r"onbekende (?:gebruiker|ontvanger)",
            r"user unknown",
            r"(?<!may )(?<!might )(?<!could )(?<!possibly )not exist",
        ),
    ),
    (
        Reason.FAILEDSTARTTLS,
        (
            r"\bstarttls\b.{0,40}?(?:fail|error|not)",
            r"\btls (?:handshake|negotiation|session) (?:failed|error)",
            r"ssl (?:handshake|negotiation) (?:failed|error)",
        ),
    ),
    (
        Reason.POLICYVIOLATION,
        (
            r"\bpolicy\b",
            r"\bpolicies\b",
            # the receiver takes the message for a forgery of a sender or brand (Barracuda:
            # "550 rejecting spoofed message"; Mimecast: "Anti-Spoofing policy")
            r"\bspoof(?:ed|ing)\b",
            r"not (?:allowed|permitted) by (?:the )?(?:recipient|administrator|system)",
            r"prohibited",
            r"\bunacceptable\b",
            # "administratively prohibited/denied"; Exim's reply to a deny ACL that gives no
            # message is "550 Administrative prohibition" (Mimecast adds "- envelope blocked")
            r"administrative(?:ly)? (?:prohibit(?:ed|ion)|denied)",
            r"restricted",
        ),
    ),
    (
        Reason.FILTERED,
        (
            r"(?:recipient|user|mailbox|address) .{0,40}?(?:refuses?|does not accept|rejects?|"
            r"doesn't accept) (?:mail|messages|e-?mail|to accept)",
            # the recipient or its domain's own filters refused the message (Zoho: "541
            # 5.4.1 Mail rejected by destination domain")
            r"rejected by (?:the |this )?(?:recipient|user|destination domain|recipient'?s? "
            r"domain)",
            r"not allowed to receive (?:mail|messages?|e-?mails?) from",
            r"(?:user|recipient)'?s? (?:filter|settings|rule|preferences)",
            r"\bfilter(?:ed|ing)?\b",
            r"(?:not|no longer) (?:accepting|receiving) (?:mail|messages|e-?mail)",
            r"refused by (?:the )?(?:recipient|mailbox|user)",
            r"mailbox (?:is )?(?:restricted|protected)",
            r"only accepts? (?:mail|messages) from",
            r"\bmail ?receiving (?:disabled|refused)",
            r"message (?:was )?(?:rejected|refused|denied) (?:by|due to) (?:the )?(?:recipient|"
            r"user)",
            r"\bdomain(?:'s)? (?:filter|restriction)",
        ),
    ),
    (
        Reason.CONTENTERROR,
        (
            r"\bcontent (?:rejected|refused|error|not (?:allowed|accepted))",
            r"\b(?:attachment|file type|extension|mime)\b.{0,60}?(?:not (?:allowed|permitted|"
            r"accepted)|rejected|refused|prohibited|blocked|banned)",
            r"\bbanned (?:attachment|file|content|extension)",
            # an attachment refused for the macros it carries (Broadcom's list of receivers'
            # refusals: "MS-Office file containing VBA macros found inside of the email")
            r"(?:file|document|attachment)s? (?:containing|with) (?:vba |office )?macros?\b",
            r"\b(?:illegal|prohibited|forbidden|dangerous|unsafe) (?:attachment|file)",
            r"\bmalformed\b",
            r"\binvalid (?:mime|content|character|header)",
            r"header (?:error|too (?:long|large))",
            r"\bcontent\b.{0,20}?\bnot\b",
            r"line too long",
            r"message (?:rejected|refused) (?:for|due to|because of) (?:its )?content",
        ),
    ),
    (
        Reason.NOTCOMPLIANTRFC,
        (
            r"\brfc ?\d{3,4}\b.{0,40}?(?:compliant|complian|violat|conform|not)",
            r"not (?:rfc|rfc-?)?(?:compliant|conform)",
            r"(?:duplicate|multiple) (?:header|from|date|message-id|subject)",
            r"missing (?:required )?(?:header|from|date|message-id)",
            r"multiple addresses in (?:the )?from",
        ),
    ),
    (
        Reason.SYNTAXERROR,
        (
            r"\bsyntax error\b",
            # the client broke the SMTP protocol ("550 Protocol violation")
            r"\bprotocol violation\b",
            r"\bcommand (?:not recogni[sz]ed|unrecogni[sz]ed|not implemented)",
            r"bad sequence of commands",
            r"unrecognized command",
            r"\bparameters? not (?:recogni[sz]ed|implemented)",
        ),
    ),
    (
        # A connection attempt that got no answer (timed out, refused to connect): the
        # queue retries until the message expires.  Broken sessions, DNS and routing
        # failures stay networkerror (below).
        Reason.EXPIRED,
        (
            r"(?<!lost )connection (?:timed out|timeout)",
            r"timed out while connecting",
            r"did not accept our requests? to connect",
            r"(?:host|server) (?:is )?not reachable",
        ),
    ),
    (
        # The sending MTA says it stopped retrying.  This outranks the generic "temporary
        # failure / try again later" wording of systemerror (what was retried is moot once
        # the queue gave up), but a specific status code naming the cause still wins
        # (core.decide_reason).
        Reason.EXPIRED,
        (
            r"not going to try again",
            r"(?:been )?(?:in|too long in) (?:the )?queue too long",
            r"queue(?:d)? (?:too long|timeout|lifetime)",
            r"\bgave up\b",
            r"\bgiving up\b",
        ),
    ),
    (
        Reason.NETWORKERROR,
        (
            r"connection (?:timed out|timeout|reset|refused|lost|closed|failure|dropped)",
            r"did not accept our requests? to connect",
            r"timed? ?out (?:while|during|reading|waiting)",
            r"\btime(?:d)? ?out\b",
            r"(?:no|lost) (?:route|connection)",
            r"network (?:is )?(?:unreachable|error|down)",
            r"(?:dns|resolver|name server|nameserver) .{0,40}?(?:error|fail|timeout|problem)",
            r"temporary (?:dns|lookup) failure",
            r"host ?name lookup failure",  # sendmail: "Name server: x: host name lookup failure"
            r"\bmail (?:loops?|loop detected)\b",
            r"routing loop",
            r"too many hops",
            r"hop count exceeded",
            r"connect to .{0,120}?(?:refused|timed out|unreachable|failed)",
            r"unable to connect",
            r"could not connect",
            r"can'?t connect",
            r"lost connection",
            r"host (?:is )?unreachable",
            r"conversation with .{0,120}? timed out",
        ),
    ),
    (
        Reason.MAILERERROR,
        (
            r"\bprocmail\b",
            r"\bx-unix\b",
            r"\b(?:local delivery|mailer|program) (?:error|failed|failure)",
            r"exit (?:code|status) \d+",
            r"command (?:died|failed|output)",
            r"\bpipe to\b",
            r"unknown mailer error",
            r"couldn'?t create",
            r"\bmail(?:er|drop)? (?:program|command)",
        ),
    ),
    (
        Reason.SYSTEMERROR,
        (
            r"\binternal (?:server )?error\b",
            r"system (?:error|problem|failure)",
            r"server (?:error|problem|failure)",
            r"\btemporar(?:y|ily) (?:failure|unavailable|error|problem)",
            r"\blocal error\b",
            r"try (?:again )?later",
            # RFC 5321 421 "Service not available"; "Service (currently) unavailable"
            r"service (?:is |currently )?(?:not available|unavailable|temporarily)",
            r"\bmisconfigur",
            r"configuration (?:error|problem)",
            r"could not load",
            r"resources? (?:temporarily )?unavailable",
            r"unexpected error",
            r"transaction failed",
        ),
    ),
    (
        Reason.EXPIRED,
        (
            r"(?:message|mail|delivery) (?:has )?(?:expired|timed out)",
            r"\bexpired\b",
            r"\bretry (?:time|timeout|period) (?:exceeded|expired|reached)",
            # not delivered within the queue's lifetime, the lifetime stated (Sendmail:
            # "Message could not be delivered for 5 days"; "was not delivered within 0 days
            # and 1 hours"; "Delivery to the following recipients was aborted after 5.0
            # hour(s)"): one statement in its spellings
            r"(?:(?:could|can) ?not be|was not|has not been|wasn't) delivered "
            r"(?:for|within|in) \d+|"
            r"(?:aborted|abandoned|cancell?ed) after \d+(?:\.\d+)? ?(?:minute|hour|day)",
            r"(?:deliver(?:y|ing)|delivered|sent) (?:in|within) \d+ (?:minutes|hours|days)",
            r"too long in (?:the )?queue",
            r"gave up",
            r"giving up",
            r"have not been able to deliver",
            r"unable to deliver .{0,40}?(?:within|for) (?:the )?(?:last )?\d+",
            r"queue(?:d)? (?:too long|timeout|lifetime)",
            r"delivery (?:time|period) (?:exceeded|expired)",
            # the sender's retries all failed, counted or not (IMail: "Delivery failed 20
            # attempts"; 1&1: "multiple delivery attempts failed"): one statement
            r"(?:failed|after) \d+ (?:delivery )?attempts|"
            r"(?:multiple|repeated|all) delivery attempts (?:have )?failed",
        ),
    ),
    (
        # Last resort: the remote server refused the recipient and the notice gives no
        # reply, code or cause.  A refusal without a word about the address is no evidence
        # that it does not exist; the recipient side's settings refused the message.
        Reason.FILTERED,
        (
            r"recipients? (?:was|were|has been|have been) rejected by (?:a|the) remote "
            r"(?:mail )?server",
        ),
    ),
    (
        # Last resort: a bare "denied" (Apple's "554 Denied [CS01]") is a refusal by the
        # receiver's policy; it never says that the mailbox does not exist
        Reason.POLICYVIOLATION,
        (r"\bdenied\b",),
    ),
)

#: Statements that the mailbox or address itself does not exist, as opposed to the short
#: user-table words ("User unknown", "No such user") that filtering gateways also answer
#: with.  What makes "user unknown" proof without other evidence (evidence.py) and what
#: keeps it an address failure under an X.7.x code (core._by_code_subject).
MAILBOX_GONE: Final = (
    r"(?:mail ?box|address|account|recipient|addressee)(?: name)?(?: <?\S+@\S+?>?)? "
    r"(?:does ?n[o']t|did not) exist"
    r"|invalid (?:mail ?box|address)\b"
    r"|(?:mail ?box|address|account)(?: <?\S+@\S+?>?)? (?:is )?not (?:a )?valid"
    r"|no such (?:mail ?box|address|recipient|account)"
    r"|(?:mail ?box|recipient|address|account) (?:was |is |could not be )?not found"
    r"|no mail ?box (?:here )?by that name|no mail ?box (?:available |was )?(?:for|found)"
    r"|not an? (?:active|existing) (?:e-?mail )?(?:address|mail ?box|account)"
    r"|recipnotfound|recipientnotfound|resolver\.adr\."
    r"|user unknown in (?:[a-z]+ )*(?:table|map|database|directory)"
    r"|(?:recipient|user)(?:'s)? (?:e-?mail )?(?:address |mail ?box )?(?:is )?"
    r"(?:marked|flagged) as (?:invalid|non-?existent)"
    # Yahoo's documented dead-address reply: "This user doesn't have a yahoo.com account"
    r"|user (?:doesn't|does not) have an? \S+ account"
    r"|not (?:listed|found|present) in (?:the |our )?(?:[\w&]+ ){0,3}(?:directory|address book)"
)
