"""The matcher on real-world product strings as staff write them (Japanese and English, full-width,
spacing typos, vendor prefixes, edition and service-pack suffixes), against the shipped catalogue.

Strings that must stay unmatched are as important as the matches: a wrong match is worse than none.
"""

import pytest

from saiteki.lifecycle.matching_text import normalise

MATCHES = [
    # Windows Server
    ("Windows Server 2012 R2 Standard", "windows-server", "2012-r2"),
    ("Windows Server 2012R2 Datacenter", "windows-server", "2012-r2"),
    ("WindowsServer2012R2", "windows-server", "2012-r2"),
    ("Ｗｉｎｄｏｗｓ　Ｓｅｒｖｅｒ　２０１２　Ｒ２", "windows-server", "2012-r2"),
    ("Microsoft Windows Server 2016 Standard Edition", "windows-server", "2016"),
    ("ウインドウズサーバー2019", "windows-server", "2019"),
    ("ウィンドウズ・サーバー 2022 Datacenter", "windows-server", "2022"),
    ("ｳｲﾝﾄﾞｳｽﾞｻｰﾊﾞｰ2016", "windows-server", "2016"),
    ("Windows Server 2019 Standard（64ビット）", "windows-server", "2019"),
    ("Windows Server 2016 日本語版", "windows-server", "2016"),
    ("Windows Server 2008 R2 SP1", "windows-server", "2008-r2-sp1"),
    ("Windows Server 2008 R2 Enterprise", "windows-server", "2008-r2-sp1"),
    ("Windows Server 2008 SP2", "windows-server", "2008-sp2"),
    ("Windows Server 2003 SP2", "windows-server", "2003-sp2"),
    ("Win Server 2019", "windows-server", "2019"),
    ("Windows 2012 R2", "windows-server", "2012-r2"),
    ("Windows Server 2025 Standard", "windows-server", "2025"),
    ("サーバOS: Windows Server 2016", "windows-server", "2016"),
    ("windows  server   2022", "windows-server", "2022"),
    # Windows client
    ("Windows 10 Pro 22H2", "windows", "10-22h2"),
    ("Windows 10 Enterprise 22H2", "windows", "10-22h2"),
    ("Windows 11 Enterprise 23H2", "windows", "11-23h2-e"),
    ("Windows 11 Pro 24H2", "windows", "11-24h2-w"),
    ("Windows 8.1", "windows", "8.1"),
    ("Windows 7 Professional SP1", "windows", "7-sp1"),
    ("Windows7", "windows", "7-sp1"),
    ("ウインドウズ10 22H2", "windows", "10-22h2"),
    # RHEL and friends
    ("ＲＨＥＬ７．９", "rhel", "7"),
    ("RHEL7.9", "rhel", "7"),
    ("RHEL 8", "rhel", "8"),
    ("Red Hat Enterprise Linux 8.6", "rhel", "8"),
    ("Red Hat Enterprise Linux Server release 7.9 (Maipo)", "rhel", "7"),
    ("RedHat Enterprise Linux 9.2", "rhel", "9"),
    ("レッドハット エンタープライズ リナックス 8", "rhel", "8"),
    ("Red Hat Enterprise Linux 7 (64bit)", "rhel", "7"),
    ("CentOS 7.9.2009", "centos", "7"),
    ("CentOS Linux release 7", "centos", "7"),
    ("centos6", "centos", "6"),
    ("CentOS Stream 9", "centos-stream", "9"),
    ("Rocky Linux 9.3", "rocky-linux", "9"),
    ("AlmaLinux 8.9", "almalinux", "8"),
    ("Alma Linux 9", "almalinux", "9"),
    ("Oracle Linux 8.8", "oracle-linux", "8"),
    ("Ubuntu 22.04 LTS", "ubuntu", "22.04"),
    ("Ubuntu Server 20.04.6 LTS", "ubuntu", "20.04"),
    ("Debian 12 (Bookworm)", "debian", "12"),
    ("Debian GNU/Linux 11", "debian", "11"),
    ("SLES 15 SP5", "sles", "15.5"),
    ("SUSE Linux Enterprise Server 12 SP5", "sles", "12.5"),
    ("Amazon Linux 2", "amazon-linux", "2"),
    ("Amazon Linux 2023", "amazon-linux", "2023"),
    # Databases
    ("Oracle Database 19c Standard Edition 2", "oracle-database", "19"),
    ("Oracle Database 19c SE2", "oracle-database", "19"),
    ("Oracle Database 12c Release 2", "oracle-database", "12.2"),
    ("Oracle 11gR2", "oracle-database", "11.2"),
    ("Oracle 19c", "oracle-database", "19"),
    ("オラクル データベース 19c", "oracle-database", "19"),
    ("Oracle Database 12.2.0.1", "oracle-database", "12.2"),
    ("SQL Server 2016 SP3", "mssqlserver", "13.0-sp3"),
    ("SQLServer2016SP3", "mssqlserver", "13.0-sp3"),
    ("Microsoft SQL Server 2019 Standard", "mssqlserver", "15.0"),
    ("SQL Server 2017 Express", "mssqlserver", "14.0"),
    ("SQL Server 2014 SP3", "mssqlserver", "12.0-sp3"),
    ("SQL Server 2022", "mssqlserver", "16.0"),
    ("ＳＱＬ　Ｓｅｒｖｅｒ　２０１９", "mssqlserver", "15.0"),
    ("SQLサーバー2017", "mssqlserver", "14.0"),
    ("SQL Server 2008 R2", "mssqlserver", "10.50-r2"),
    ("PostgreSQL 13.4", "postgresql", "13"),
    ("PostgreSQL 9.6.24", "postgresql", "9.6"),
    ("ポスグレ15", "postgresql", "15"),
    ("Postgres 16", "postgresql", "16"),
    ("MySQL 8.0.35", "mysql", "8.0"),
    ("MySQL Community Server 5.7", "mysql", "5.7"),
    ("Oracle MySQL 8.0", "mysql", "8.0"),
    ("MariaDB 10.6", "mariadb", "10.6"),
    # Middleware and runtimes
    ("Apache Tomcat 9.0.85", "tomcat", "9.0"),
    ("Tomcat 9", "tomcat", "9.0"),
    ("Tomcat7", "tomcat", "7"),
    ("Apache HTTP Server 2.4.57", "apache-http-server", "2.4"),
    ("Apache 2.4", "apache-http-server", "2.4"),
    ("httpd 2.2", "apache-http-server", "2.2"),
    ("nginx 1.24.0", "nginx", "1.24"),
    ("Oracle Java SE 8", "oracle-jdk", "8"),
    ("Oracle JDK 11", "oracle-jdk", "11"),
    ("Eclipse Temurin 17", "eclipse-temurin", "17"),
    ("PHP 7.4.33", "php", "7.4"),
    ("PHP8.1", "php", "8.1"),
    (".NET Framework 4.8", "dotnetfx", "4.8"),
    (".NET 6", "dotnet", "6"),
    (".NET Core 3.1", "dotnet", "3.1"),
    ("JBoss EAP 7.4", "red-hat-jboss-eap", "7"),
    ("Exchange Server 2016 CU23", "msexchange", "2016"),
    ("SharePoint Server 2019", "sharepoint", "2019"),
    ("Zabbix 6.0 LTS", "zabbix", "6.0"),
    ("Python 3.11", "python", "3.11"),
    ("Veeam Backup & Replication 12", "veeam-backup-and-replication", "12"),
    # Virtualisation, network, clients
    ("VMware ESXi 7.0 Update 3", "vmware-esxi", "7.0"),
    ("vSphere ESXi 7.0U3", "vmware-esxi", "7.0"),
    ("ESXi6.7", "vmware-esxi", "6.7"),
    ("vCenter Server 8.0", "vmware-vcenter", "8.0"),
    ("FortiOS 7.2.5", "fortios", "7.2"),
    ("Cisco IOS XE 17.9.4", "cisco-ios-xe", "17.9"),
    ("PAN-OS 10.2", "pan-os", "10.2"),
    ("Office 2016", "office", "2016"),
    ("Microsoft Office Professional Plus 2019", "office", "2019"),
    ("Office LTSC 2024", "office", "2024-ltsc"),
    ("IE11", "internet-explorer", "11"),
    ("Internet Explorer 11", "internet-explorer", "11"),
    ("インターネットエクスプローラー11", "internet-explorer", "11"),
    ("Windows XP", "windows", "5-sp3"),
    # The version restated as a number (Oracle's banner), a vendor of the product's own
    ("Oracle Database 19c Enterprise Edition Release 19.0.0.0.0 - Production", "oracle-database", "19"),
    ("Oracle Database 12c Standard Edition 2 Release 12.2.0.1", "oracle-database", "12.2"),
    ("Apple iOS 15.7", "ios", "15"),
    ("Oracle MySQL Community Server 8.0.35", "mysql", "8.0"),
    ("NEC Windows Server 2019 Standard", "windows-server", "2019"),  # resellers are neutral
]

UNMATCHED = [
    "Windows Server",  # no version
    "Windows 10",  # edition/feature update needed
    "Windows 11 23H2",  # Enterprise or Pro? The catalogue ends them on different days
    "Ubuntu 22",  # 22.04 or 22.10
    "MySQL 8",  # 8.0 … 8.4
    "PHP 8",
    "Apache Tomcat 10",  # 10.0 or 10.1
    "Oracle 12c",  # Release 1 or 2
    "SQL Server 2016 SP4",  # no such service pack: never fall back to RTM
    "Java 8",  # Oracle JDK or OpenJDK?
    "OpenJDK 11",
    "Microsoft 365 Apps",
    "Office 365",
    "Microsoft Edge",
    "IIS 10",
    "Red Hat OpenShift 4.12",
    "Oracle WebLogic Server 12c",
    "Windows Server 2019 上の SQL Server 2017",  # two products
    "Oracle Database 19c on Oracle Linux 8",
    "Windows Server 2019 ウイルス対策ソフト",
    "財務会計パッケージ Ver.5.2",
    "WinSCP 5.19",
    "LibreOffice Writer",
    "Apache Struts 2.5",
    "vSphere 7",  # ESXi or vCenter
    "Windows Server 2030",  # no such cycle
    "RHEL 99",
    "",
    "Cisco IOS 15.2",  # Cisco's IOS is not Apple's iOS: another vendor's name stops the match
    "Microsoft PostgreSQL 16",
    "Oracle Database 12c 11.2.0.4",  # two different versions, not one restated
    "Windows 10 10.0.19045",  # restated, but neither spelling names one cycle
]


@pytest.mark.parametrize(("text", "product", "cycle"), MATCHES)
def test_real_world_strings_match_product_and_cycle(shipped_matcher, text, product, cycle):
    result = shipped_matcher.match(text)
    assert (result.matched, result.product, result.cycle) == (True, product, cycle), result
    assert 0 < result.confidence <= 1


@pytest.mark.parametrize("text", UNMATCHED)
def test_ambiguous_or_foreign_strings_stay_unmatched(shipped_matcher, text):
    result = shipped_matcher.match(text)
    assert not result.matched, result
    assert result.product == "" and result.confidence == 0


def test_the_table_is_large_enough():
    assert len(MATCHES) + len(UNMATCHED) >= 80
    assert sum(1 for t, _p, _c in MATCHES if any(ord(ch) > 0x3000 for ch in t)) >= 10  # Japanese / full-width


def test_normalise_is_idempotent_and_folds_width_and_katakana():
    for text, _p, _c in MATCHES:
        assert normalise(normalise(text)) == normalise(text)
    assert normalise("ＲＨＥＬ７．９") == "rhel 7.9"
    assert normalise("ウインドウズサーバー2019") == "windows server 2019"
    assert normalise("SQLServer2016SP3") == "sqlserver 2016 sp3"


def test_exact_fallbacks_are_less_confident(shipped_matcher):
    exact = shipped_matcher.match("Windows Server 2012 R2")
    sibling = shipped_matcher.match("Windows 2012 R2")
    shortened = shipped_matcher.match("RHEL 7.9")
    assert exact.confidence > shortened.confidence > 0
    assert exact.confidence > sibling.confidence > 0


def test_unmatched_keeps_the_recognised_product_for_the_queue(shipped_matcher):
    result = shipped_matcher.match("Windows Server")
    assert not result.matched and result.candidate_product == "windows-server"
    two = shipped_matcher.match("SQL Server 2019 / Windows Server 2019")
    assert not two.matched and set(two.candidates) == {"mssqlserver", "windows-server"}


def test_rules_extend_the_matcher(shipped_matcher):
    from saiteki.lifecycle import catalogue as cat
    from saiteki.lifecycle.matching import CatalogueCycle, Matcher

    rows = cat.load_shipped()
    products = {r.product: cat.PRODUCTS[r.product][0] for r in rows}
    cycles = [CatalogueCycle(r.product, r.cycle, r.label) for r in rows]
    m = Matcher(
        products,
        cycles,
        aliases={"県標準OS": "windows-server", "ポスグレエンタープライズ": "postgresql"},
        exact={"財務会計パッケージ Ver.5.2": ("rhel", "8")},
        blocked=["Windows Server 2019 評価版"],
        noise=["kensei"],
    )
    assert (m.match("県標準OS 2019").product, m.match("県標準OS 2019").cycle) == ("windows-server", "2019")
    assert m.match("財務会計パッケージ ver.5.2").cycle == "8"  # exact rules match after normalisation
    assert m.match("財務会計パッケージ ver.5.2").confidence == 1.0
    assert not m.match("Windows Server 2019 評価版").matched
    assert m.match("Windows Server 2019 kensei").matched
    assert not shipped_matcher.match("Windows Server 2019 kensei").matched
