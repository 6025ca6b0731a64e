"""Installation acceptance (安装验收): the record an installation order closes with."""
